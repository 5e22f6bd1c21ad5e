/* bc: the bytecode file (.leadc), TOOLS.md "The bytecode file".
 *
 * Layout, all integers little-endian:
 *   0   magic      89 4C 45 41 44 43 0D 0A  ("\x89LEADC\r\n")
 *   8   u32        format version (BC_VERSION)
 *   12  u32        flags (bit 0: no line table; the others are 0)
 *   16  u64        size of the whole file
 *   24  u32        CRC-32 of the whole file with these four bytes zero
 *   28  u32        number of sections
 *   32  sections   each: u32 id, u32 length, then length bytes
 * The sections come in a fixed order (meta, constants, types, schema, sets,
 * patterns, externs, aggregates, functions, outputs, lines); each reader
 * checks every length and count against the bytes left, so a truncated or
 * hand-made file is refused with a message, never read past its end.
 * Reading gives a Prog that still has to pass prog_verify. */
#ifndef LEAD_BC_H
#define LEAD_BC_H

#include <stddef.h>
#include <stdint.h>
#include "prog.h"

#define BC_VERSION 1
#define BC_HEADER 32
#define BC_FLAG_STRIP 1u        /* written without a line table */

/* Serialise p; returns a malloc'd buffer and its size in *len. */
uint8_t *bc_write(const Prog *p, bool strip, size_t *len);

/* Parse a file's bytes (not verified yet).  NULL and a message on error. */
Prog *bc_read(const uint8_t *buf, size_t len, char *err, size_t errlen);

/* Recompute and store the checksum of a file image (tests and fuzzers use
 * it to get past the checksum to the structural checks). */
void bc_seal(uint8_t *buf, size_t len);

/* Read, verify and prepare a file image / a .leadc file ("-": standard
 * input); NULL and a message on error. */
Prog *bc_load(const uint8_t *buf, size_t len, char *err, size_t errlen);
Prog *bc_load_file(const char *path, char *err, size_t errlen);

/* Does this look like a bytecode file (by its first bytes)? */
bool bc_is_bytecode(const uint8_t *buf, size_t len);

#endif
