/* loader.c — the prefetching batch thread (loader.h). */
#include "train/loader.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef enum slot_state {
    SLOT_EMPTY = 0, /* the producer may fill it            */
    SLOT_READY,     /* filled (or failed), waiting for next */
    SLOT_OUT,       /* handed to the consumer               */
} slot_state;

typedef struct slot {
    vx_batch batch;
    slot_state state;
    vx_status status;     /* of the fill                  */
    char message[512];    /* its error message            */
} slot;

struct vx_loader {
    vx_batch_fill_fn fill;
    void *sampler;
    slot *slots;
    int depth;
    int64_t next_fill;    /* producer: next k to make     */
    int64_t next_take;    /* consumer: next k to hand out */
    bool stop;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* any state change             */
    pthread_t thread;
};

static void *produce(void *arg)
{
    vx_loader *ld = arg;
    pthread_mutex_lock(&ld->mu);
    for (;;) {
        slot *s = &ld->slots[ld->next_fill % ld->depth];
        while (!ld->stop && s->state != SLOT_EMPTY)
            pthread_cond_wait(&ld->cv, &ld->mu);
        if (ld->stop)
            break;
        int64_t k = ld->next_fill;
        pthread_mutex_unlock(&ld->mu);
        vx_status st = ld->fill(ld->sampler, k, &s->batch); /* the slot is the producer's */
        pthread_mutex_lock(&ld->mu);
        s->status = st;
        if (st != VX_OK)
            snprintf(s->message, sizeof s->message, "%s", vx_last_error());
        s->state = SLOT_READY;
        ld->next_fill++;
        pthread_cond_broadcast(&ld->cv);
        if (st != VX_OK)
            break;
    }
    pthread_mutex_unlock(&ld->mu);
    return NULL;
}

vx_loader *vx_loader_start(vx_batch_fill_fn fill, void *sampler, int64_t first, int depth)
{
    if (!fill || depth < 1 || first < 0)
        return vx_fail_null(VX_ERR_ARG, "loader: needs a fill function, depth >= 1 and first >= 0 "
                            "(got depth %d, first %lld)", depth, (long long)first);
    vx_loader *ld = calloc(1, sizeof *ld);
    if (ld)
        ld->slots = calloc((size_t)depth, sizeof *ld->slots);
    if (!ld || !ld->slots) {
        free(ld);
        return vx_fail_null(VX_ERR_OOM, "loader: out of memory");
    }
    ld->fill = fill;
    ld->sampler = sampler;
    ld->depth = depth;
    ld->next_fill = ld->next_take = first;
    pthread_mutex_init(&ld->mu, NULL);
    pthread_cond_init(&ld->cv, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* the new thread inherits the mask */
    int rc = pthread_create(&ld->thread, NULL, produce, ld);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        vx_loader_stop(ld);
        return vx_fail_null(VX_ERR_OOM, "loader: cannot start the thread (error %d)", rc);
    }
    ld->thread_started = true;
    return ld;
}

vx_status vx_loader_next(vx_loader *ld, vx_batch **out)
{
    if (!ld || !out)
        return vx_fail(VX_ERR_ARG, "loader: next needs a loader and an output");
    pthread_mutex_lock(&ld->mu);
    slot *s = &ld->slots[ld->next_take % ld->depth];
    if (s->state == SLOT_OUT) {
        pthread_mutex_unlock(&ld->mu);
        return vx_fail(VX_ERR_ARG, "loader: all %d batches are out; release one before taking "
                       "the next", ld->depth);
    }
    while (s->state != SLOT_READY)
        pthread_cond_wait(&ld->cv, &ld->mu);
    vx_status st = s->status;
    if (st == VX_OK) {
        s->state = SLOT_OUT;
        ld->next_take++;
        *out = &s->batch;
    }
    pthread_mutex_unlock(&ld->mu);
    if (st != VX_OK)
        return vx_fail(st, "%s", s->message);
    return VX_OK;
}

void vx_loader_release(vx_loader *ld, vx_batch *b)
{
    if (!ld || !b)
        return;
    pthread_mutex_lock(&ld->mu);
    for (int i = 0; i < ld->depth; i++)
        if (&ld->slots[i].batch == b && ld->slots[i].state == SLOT_OUT)
            ld->slots[i].state = SLOT_EMPTY;
    pthread_cond_broadcast(&ld->cv);
    pthread_mutex_unlock(&ld->mu);
}

void vx_loader_stop(vx_loader *ld)
{
    if (!ld)
        return;
    if (ld->thread_started) {
        pthread_mutex_lock(&ld->mu);
        ld->stop = true;
        pthread_cond_broadcast(&ld->cv);
        pthread_mutex_unlock(&ld->mu);
        pthread_join(ld->thread, NULL);
    }
    for (int i = 0; i < ld->depth; i++)
        vx_batch_free(&ld->slots[i].batch);
    pthread_cond_destroy(&ld->cv);
    pthread_mutex_destroy(&ld->mu);
    free(ld->slots);
    free(ld);
}
