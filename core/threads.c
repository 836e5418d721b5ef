/* threads.c — the pool behind threads.h: workers wait for a job generation
 * (polling briefly, then asleep on a condition variable), run their chunk,
 * and report back. */
#include "threads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* How long a worker keeps polling for the next job, and the caller for the
 * end of its job, before sleeping on the condition variable: inference issues
 * parallel_for calls back to back (~1,100 per 10-s VITS sentence), and a
 * futex wake-up costs tens of µs on a VM, more than most of those calls'
 * gaps. 2,048 pause instructions take about 50 µs on the Zen 4 dev VM
 * (timed); the cost of a miss is that much CPU time, after which the
 * thread sleeps as before. */
#define SPIN_ROUNDS 2048

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    pthread_t workers[VX_MAX_THREADS];
    int n_workers;               /* started workers (thread ids 1..n_workers)     */
    _Atomic uint64_t generation; /* bumped per job, after the job fields are set   */
    _Atomic int pending;         /* workers that have not finished the current job */
    int sleepers;                /* workers waiting on `wake` (under mu)           */
    bool caller_sleeping;        /* the caller waits on `done` (under mu)          */
    uint64_t start_generation;   /* the generation workers started now begin at    */
    /* current job: written before `generation` is bumped, read after */
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

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

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

/* The generation after `seen`: polled for a while, then slept for. */
static uint64_t next_generation(pool *p, uint64_t seen)
{
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        uint64_t g = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (g != seen)
            return g;
        cpu_relax();
    }
    pthread_mutex_lock(&p->mu);
    p->sleepers++;
    uint64_t g;
    while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen)
        pthread_cond_wait(&p->wake, &p->mu);
    p->sleepers--;
    pthread_mutex_unlock(&p->mu);
    return g;
}

/* Every started worker takes part in every job's count (those beyond the
 * job's thread count just report back), so the caller publishes the next job
 * only after all of them are done reading this one. */
static void *worker_main(void *arg)
{
    int tid = (int)(intptr_t)arg;
    pool *p = &the_pool;
    in_worker = true;
    uint64_t seen = p->start_generation; /* its first job is the next one */
    for (;;) {
        seen = next_generation(p, seen);
        if (tid < p->n_threads)
            run_chunk(p, tid);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mu);
            if (p->caller_sleeping)
                pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

/* Start workers up to `want - 1`; returns how many threads can take part. */
static int ensure_workers(pool *p, int want)
{
    p->start_generation = atomic_load_explicit(&p->generation, memory_order_relaxed);
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
    pthread_mutex_unlock(&p->mu);
    int64_t chunk = (n + threads - 1) / threads;
    chunk = (chunk + grain - 1) / grain * grain;
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->chunk = chunk;
    p->n_threads = threads;
    atomic_store_explicit(&p->pending, p->n_workers, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    pthread_mutex_lock(&p->mu); /* a worker past its polling sleeps: wake it */
    if (p->sleepers)
        pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);

    in_worker = true; /* nested calls from the caller's chunk run inline */
    run_chunk(p, 0);
    in_worker = false;

    for (int i = 0; i < SPIN_ROUNDS && atomic_load_explicit(&p->pending, memory_order_acquire) > 0; i++)
        cpu_relax();
    if (atomic_load_explicit(&p->pending, memory_order_acquire) > 0) {
        pthread_mutex_lock(&p->mu);
        p->caller_sleeping = true;
        while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        p->caller_sleeping = false;
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_unlock(&job_mu);
}
