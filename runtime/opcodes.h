/* opcodes: the one list of VM instructions.  Expanded (X-macro) into the
 * opcode enum, the names and operand formats the disassembler prints, and
 * the operand checks of the verifier.
 *
 * OP(NAME, OPERANDS, MEANING)
 *
 * OPERANDS is a string of operand specs separated by spaces.  Each spec is a
 * kind letter, and for a register a type letter:
 *   R<t>  register of type t:  n number, b bool, t text, d date, T time,
 *         l level, c classification, i any of date/time/level/class/bool,
 *         * any type
 *   K     number constant index      I  integer constant index
 *   S     text constant index        T  set index
 *   X     regular expression index   L  level type index
 *   C     classification index       F  record field index
 *   E     field of the current event's stream
 *   J     forward jump: instructions skip from the next one (>= 0)
 *   U     function index             B  built-in index
 *   Z     extern index               A  aggregate index
 *   N     small immediate (bool value, hit slot)
 *   V     argument list: a count, then that many registers
 * An instruction is its opcode word followed by one word per operand (V:
 * one word for the count plus one per register).  Jumps only go forward,
 * so every evaluation ends. */
#ifndef LEAD_OPCODES_H
#define LEAD_OPCODES_H

#define LEAD_OPCODES(OP) \
    OP(LOADK,    "Rn K",        "r[A] := number constant K[B]") \
    OP(LOADI,    "Ri I",        "r[A] := integer constant I[B] (date, time, rank, label or bool)") \
    OP(LOADS,    "Rt S",        "r[A] := text constant S[B]") \
    OP(LOADNIL,  "R*",          "r[A] := missing") \
    OP(MOVE,     "R* R*",       "r[A] := r[B]") \
    OP(FIELD,    "R* F",        "r[A] := record field F[B], parsed as its type") \
    OP(EVFIELD,  "R* E",        "r[A] := field E[B] of the current event") \
    OP(NOT,      "Rb Rb",       "r[A] := not r[B] (unknown stays unknown)") \
    OP(AND,      "Rb Rb Rb",    "r[A] := r[B] and r[C] (Kleene)") \
    OP(OR,       "Rb Rb Rb",    "r[A] := r[B] or r[C] (Kleene)") \
    OP(TRUTH,    "Rb Rb",       "r[A] := r[B] is true (unknown gives false)") \
    OP(ISMISS,   "Rb R*",       "r[A] := r[B] is missing") \
    OP(ISPRES,   "Rb R*",       "r[A] := r[B] is present") \
    OP(JMP,      "J",           "skip A instructions") \
    OP(JFALSE,   "Rb J",        "if r[A] is false, skip B instructions") \
    OP(JTRUE,    "Rb J",        "if r[A] is true, skip B instructions") \
    OP(JNTRUE,   "Rb J",        "unless r[A] is true, skip B instructions") \
    OP(JMISS,    "R* J",        "if r[A] is missing, skip B instructions") \
    OP(ADD,      "Rn Rn Rn",    "r[A] := r[B] + r[C]") \
    OP(SUB,      "Rn Rn Rn",    "r[A] := r[B] - r[C]") \
    OP(MUL,      "Rn Rn Rn",    "r[A] := r[B] * r[C]") \
    OP(DIV,      "Rn Rn Rn",    "r[A] := r[B] / r[C] (missing when C is 0)") \
    OP(NEG,      "Rn Rn",       "r[A] := -r[B]") \
    OP(EQN,      "Rb Rn Rn",    "r[A] := r[B] = r[C]") \
    OP(NEN,      "Rb Rn Rn",    "r[A] := r[B] != r[C]") \
    OP(LTN,      "Rb Rn Rn",    "r[A] := r[B] < r[C]") \
    OP(LEN,      "Rb Rn Rn",    "r[A] := r[B] <= r[C]") \
    OP(EQI,      "Rb Ri Ri",    "r[A] := r[B] = r[C] (dates, times, ranks, labels, bools)") \
    OP(NEI,      "Rb Ri Ri",    "r[A] := r[B] != r[C]") \
    OP(LTI,      "Rb Ri Ri",    "r[A] := r[B] < r[C]") \
    OP(LEI,      "Rb Ri Ri",    "r[A] := r[B] <= r[C]") \
    OP(EQT,      "Rb Rt Rt",    "r[A] := r[B] = r[C], texts trimmed and case-folded") \
    OP(NET,      "Rb Rt Rt",    "r[A] := r[B] != r[C], texts trimmed and case-folded") \
    OP(EQTK,     "Rb Rt S",     "r[A] := r[B] = text constant S[C]") \
    OP(NETK,     "Rb Rt S",     "r[A] := r[B] != text constant S[C]") \
    OP(CONTAINS, "Rb Rt Rt",    "r[A] := r[B] contains r[C] (case-insensitive)") \
    OP(STARTS,   "Rb Rt Rt",    "r[A] := r[B] starts with r[C]") \
    OP(ENDS,     "Rb Rt Rt",    "r[A] := r[B] ends with r[C]") \
    OP(CONTAINSK,"Rb Rt S",     "r[A] := r[B] contains text constant S[C]") \
    OP(STARTSK,  "Rb Rt S",     "r[A] := r[B] starts with text constant S[C]") \
    OP(ENDSK,    "Rb Rt S",     "r[A] := r[B] ends with text constant S[C]") \
    OP(MATCH,    "Rb Rt X",     "r[A] := r[B] matches regular expression X[C]") \
    OP(INSET,    "Rb R* T",     "r[A] := r[B] in set T[C]") \
    OP(WITHIN,   "Rb Ri I",     "r[A] := r[B] (date or time) within the last I[C] microseconds") \
    OP(D2T,      "RT Rd",       "r[A] := date r[B] as the instant of its midnight UTC") \
    OP(T2LEVEL,  "Rl Rt L",     "r[A] := the label of level L[C] that text r[B] names (else missing)") \
    OP(LEVEL2T,  "Rt Rl L",     "r[A] := the label of level L[C] with rank r[B], as text") \
    OP(CLASS2T,  "Rt Rc C",     "r[A] := the label r[B] of classification C[C], as text") \
    OP(CALL,     "R* U V",      "r[A] := function U[B](args); kept per record when it has no parameters") \
    OP(BUILTIN,  "R* B V",      "r[A] := built-in B[B](args); missing if an argument is") \
    OP(EXTERN,   "R* Z V",      "r[A] := native function Z[B](args); missing if an argument is") \
    OP(AGG,      "R* A V",      "r[A] := aggregate A[B] over the record's events (args go to its where)") \
    OP(ACC,      "Rn Rn N",     "r[A] += r[B] when present and finite; score line C fired if r[B] != 0") \
    OP(CLAMP,    "Rn K K",      "r[A] := r[A] clamped to [K[B], K[C]] when present") \
    OP(FINITE,   "Rn",          "r[A] := missing unless it is finite") \
    OP(HIT,      "N",           "classify line A chose the label") \
    OP(RET,      "R*",          "return r[A]")

typedef enum {
#define LEAD_OP_ENUM(name, ops, meaning) OP_##name,
    LEAD_OPCODES(LEAD_OP_ENUM)
#undef LEAD_OP_ENUM
    OP__COUNT
} Opcode;

typedef struct OpInfo {
    const char *name;
    const char *operands;
    const char *meaning;
} OpInfo;

extern const OpInfo lead_opinfo[OP__COUNT];

#endif
