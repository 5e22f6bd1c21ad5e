/* arena: bump allocation for data that lives and dies together (a
 * compilation, a loaded program).  One allocation function, so tests can
 * inject failures in one place.
 *
 * Ownership: the arena owns every block it handed out; arena_free releases
 * them all at once. */
#ifndef LEAD_ARENA_H
#define LEAD_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena { ArenaBlock *head; size_t used; } Arena;

void *arena_alloc(Arena *a, size_t n);          /* zeroed, 16-aligned; exits (status 2) on OOM */
char *arena_strndup(Arena *a, const char *s, size_t n);
void  arena_free(Arena *a);

/* The allocator behind everything: malloc, or NULL on failure. */
void *lead_malloc(size_t n);

#endif
