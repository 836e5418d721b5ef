/* threads.c — the pool behind threads.h: workers sleep on a condition
 * variable, wake for a job generation, run their chunk, and report back. */
#include "threads.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    pthread_t workers[VX_MAX_THREADS];
    int n_workers;         /* started workers (thread ids 1..n_workers) */
    uint64_t generation;   /* bumped per job                            */
    int pending;           /* workers still running the current job     */
    /* current job */
    vx_range_fn fn;
    void *arg;
    int64_t n, chunk;
    int n_threads;
} pool;

static pool the_pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
                        .wake = PTHREAD_COND_INITIALIZER,
                        .done = PTHREAD_COND_INITIALIZER};
static pthread_mutex_t job_mu = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static int requested_threads; /* 0: default */
static _Thread_local bool in_worker;

static int default_threads(void)
{
    const char *env = getenv("VOXC_THREADS");
    long n = env ? strtol(env, NULL, 10) : 0;
    if (n <= 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 0)
        n = 1;
    return n > VX_MAX_THREADS ? VX_MAX_THREADS : (int)n;
}

int vx_threads_get(void)
{
    return requested_threads > 0 ? requested_threads : default_threads();
}

void vx_threads_set(int n)
{
    requested_threads = n < 0 ? 0 : (n > VX_MAX_THREADS ? VX_MAX_THREADS : n);
}

static void run_chunk(const pool *p, int tid)
{
    int64_t begin = (int64_t)tid * p->chunk;
    int64_t end = begin + p->chunk < p->n ? begin + p->chunk : p->n;
    if (begin < end)
        p->fn(p->arg, begin, end, tid);
}

static void *worker_main(void *arg)
{
    int tid = (int)(intptr_t)arg;
    pool *p = &the_pool;
    in_worker = true;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->generation == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        seen = p->generation;
        if (tid >= p->n_threads)
            continue; /* not part of this job */
        pthread_mutex_unlock(&p->mu);
        run_chunk(p, tid);
        pthread_mutex_lock(&p->mu);
        if (--p->pending == 0)
            pthread_cond_signal(&p->done);
    }
    return NULL;
}

/* Start workers up to `want - 1`; returns how many threads can take part. */
static int ensure_workers(pool *p, int want)
{
    while (p->n_workers < want - 1) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&p->workers[p->n_workers], &attr, worker_main,
                                (void *)(intptr_t)(p->n_workers + 1));
        pthread_attr_destroy(&attr);
        if (rc != 0)
            break; /* run with the workers we have */
        p->n_workers++;
    }
    return p->n_workers + 1 < want ? p->n_workers + 1 : want;
}

void vx_parallel_for(int64_t n, int64_t grain, vx_range_fn fn, void *arg)
{
    if (n <= 0)
        return;
    if (grain < 1)
        grain = 1;
    int threads = vx_threads_get();
    int64_t max_useful = (n + grain - 1) / grain;
    if (threads > max_useful)
        threads = (int)max_useful;
    if (threads <= 1 || in_worker) {
        fn(arg, 0, n, 0);
        return;
    }
    pool *p = &the_pool;
    pthread_mutex_lock(&job_mu);
    pthread_mutex_lock(&p->mu);
    threads = ensure_workers(p, threads);
    int64_t chunk = (n + threads - 1) / threads;
    chunk = (chunk + grain - 1) / grain * grain;
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->chunk = chunk;
    p->n_threads = threads;
    p->pending = threads - 1;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);

    in_worker = true; /* nested calls from the caller's chunk run inline */
    run_chunk(p, 0);
    in_worker = false;

    pthread_mutex_lock(&p->mu);
    while (p->pending > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&job_mu);
}
