/* arena: bump allocation in 64 KiB blocks; big requests get their own. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arena.h"

void *lead_malloc(size_t n)
{
    return malloc(n);
}

struct ArenaBlock {
    ArenaBlock *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK (64 * 1024)

void *arena_alloc(Arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->head->size) {
        size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        ArenaBlock *b = lead_malloc(sizeof *b + size);
        if (!b) {
            fputs("out of memory\n", stderr);
            exit(2);
        }
        b->size = size;
        if (a->head && n > ARENA_BLOCK / 4) {
            /* a big block goes behind the current one, which stays in use */
            b->next = a->head->next;
            a->head->next = b;
            memset(b->data, 0, n);
            return b->data;
        }
        b->next = a->head;
        a->head = b;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void arena_free(Arena *a)
{
    ArenaBlock *b = a->head;
    while (b) {
        ArenaBlock *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->used = 0;
}

