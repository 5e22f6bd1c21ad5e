/* lexctx: the state shared by the flex scanner (lexer.l) and the bison
 * parser (parser.y) while one source file is parsed.  Both are reentrant: all
 * state lives here, reached through yyextra and the parser's parameter.
 *
 * Ownership: the context borrows the arena, diagnostics and AST of the
 * compilation; it owns nothing. */
#ifndef LEAD_LEXCTX_H
#define LEAD_LEXCTX_H

#include <stddef.h>
#include <stdint.h>
#include "ast.h"
#include "diag.h"

#define LEAD_MAX_TEXT_LITERAL 65535      /* bytes in one text literal */
#define LEAD_MAX_NUMBER_LITERAL 400      /* characters in one number literal */

typedef struct LexStr { const char *s; uint32_t len; } LexStr;

typedef struct LexCtx {
    Arena *arena;
    Diags *diags;
    Ast *ast;
    uint32_t file;
    uint32_t module;         /* stored in each Decl */
    const char *src;
    size_t len;
    size_t pos;              /* byte offset of the next unread byte */
    size_t start;            /* offset of the first token (after a BOM) */
    size_t tokstart;         /* offset of the current token */
    int last_tok;            /* previous token returned (0 at start) */
    int prev_tok;            /* the one before it (syntax error messages) */
    uint32_t last_off, last_end, prev_off, prev_end;   /* where they are */
    size_t rewind_to;        /* 1 + offset to scan again from after an error (0: none) */
    unsigned rewinds;
    void *rewind_buf;        /* the flex buffer of the last rewind */
    size_t stray_end;        /* end of the last non-ASCII character reported */
    /* score blocks: a leading + or - on a line is a score-line sign */
    int score_pending;       /* the last token was `score` */
    int score_depth;         /* brace depth inside a score block (0: outside) */
    int score_paren;         /* ( and [ depth inside it */
    int line_start;          /* no token yet on the current line */
    int keep_line_start;     /* the token was `score {`'s brace */
    /* expression nesting, counted by the parser */
    int depth;
    int too_deep;            /* reported; the parse is being abandoned */
    /* error recovery: skip to the next declaration at a line start */
    int recovering;
    uint32_t syntax_errors;
    void *scanner;           /* the flex scanner */
    /* comments, for the formatter: called with each comment's span (from
     * its '#' to the end of its line); NULL for the compiler */
    void (*on_comment)(void *u, Loc loc);
    void *comment_u;
} LexCtx;

/* Parse one source text into ctx->ast; returns the number of syntax and
 * lexical errors reported. */
int lead_parse(LexCtx *ctx);

/* Scan again from byte off (a declaration keyword that an incomplete
 * declaration took as a name; see parser.y). */
void lead_rewind(LexCtx *ctx, size_t off);

/* Scan ctx->src without parsing, calling cb for each token (the token
 * numbers and values of grammar/parser.h); returns the number of lexical
 * errors.  For the scanner's unit tests. */
union LEAD_YYSTYPE;
int lead_scan_all(LexCtx *ctx, void (*cb)(void *u, int tok, Loc loc, const union LEAD_YYSTYPE *v),
                  void *u);

#endif
