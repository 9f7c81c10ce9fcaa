/*
 * expr.h - conditions: JSON-like values, the expression tree whose meaning
 * is JsonLogic's, and the calls that read, write and evaluate it.  The
 * same tree comes from the infix condition language (condition.c) or from
 * JsonLogic JSON (jsonlogic.c); it is written back to either, and
 * evaluated by jsonlogic.c with JavaScript's coercions, exactly as the
 * reference implementation json-logic-js does.
 */
#ifndef LAB_EXPR_H
#define LAB_EXPR_H

#include "internal.h"

#include <jansson.h>

/* ---- values ---- */

typedef enum lab_vtype {
    LAB_V_NULL = 0,
    LAB_V_BOOL,
    LAB_V_NUM,
    LAB_V_STR,
    LAB_V_ARR,
    LAB_V_OBJ
} lab_vtype;

typedef struct lab_kv lab_kv;

/* A value.  Strings are (pointer, length) and need not be NUL-terminated;
 * arrays and objects point at `n` elements.  Values never own memory:
 * whatever they point at lives in an arena (the engine's, the dataset's,
 * or the per-evaluation scratch arena). */
typedef struct lab_val {
    uint8_t t;  /* lab_vtype */
    uint32_t n; /* bytes of a string, elements of an array or object */
    union {
        double d;
        int b;
        const char *s;
        const struct lab_val *a;
        const lab_kv *o;
    } u;
} lab_val;

struct lab_kv {
    const char *k;
    uint32_t klen;
    lab_val v;
};

static inline lab_val lab_val_null(void)
{
    lab_val v = {LAB_V_NULL, 0, {0}};
    return v;
}
static inline lab_val lab_val_bool(int b)
{
    lab_val v = {LAB_V_BOOL, 0, {0}};
    v.u.b = b != 0;
    return v;
}
static inline lab_val lab_val_num(double d)
{
    lab_val v = {LAB_V_NUM, 0, {0}};
    v.u.d = d;
    return v;
}
static inline lab_val lab_val_str(const char *s, size_t n)
{
    lab_val v = {LAB_V_STR, 0, {0}};
    v.n = (uint32_t)n;
    v.u.s = s;
    return v;
}

/* JsonLogic truthiness: JavaScript's, except that an empty array is
 * false. */
int lab_val_truthy(const lab_val *v);
/* JavaScript ==, === and ToNumber. */
int lab_val_loose_eq(const lab_val *a, const lab_val *b);
int lab_val_strict_eq(const lab_val *a, const lab_val *b);
double lab_val_to_number(const lab_val *v);
/* JavaScript String(v), appended to b (arrays join with ",", objects
 * give "[object Object]", numbers as lab_num_format). */
void lab_val_to_string(lab_buf *b, const lab_val *v);
/* Writes v as JSON text. */
void lab_val_to_json(lab_buf *b, const lab_val *v);
/* Converts a jansson value to a lab_val whose storage is in arena a. */
int lab_val_from_json(lab_val *out, lab_arena *a, const json_t *j);

/* ---- expression tree ---- */

/* Operators, named as in JsonLogic.  LAB_OP_LIT is a constant (its value
 * in node.lit), LAB_OP_ARRAY a JSON array whose elements are expressions. */
typedef enum lab_op {
    LAB_OP_LIT = 0,
    LAB_OP_ARRAY,
    LAB_OP_VAR,
    LAB_OP_MISSING,
    LAB_OP_MISSING_SOME,
    LAB_OP_IF,     /* "if" */
    LAB_OP_TERN,   /* "?:" */
    LAB_OP_EQ,     /* "==" */
    LAB_OP_SEQ,    /* "===" */
    LAB_OP_NE,     /* "!=" */
    LAB_OP_SNE,    /* "!==" */
    LAB_OP_NOT,    /* "!" */
    LAB_OP_NOTNOT, /* "!!" */
    LAB_OP_OR,
    LAB_OP_AND,
    LAB_OP_GT,
    LAB_OP_GE,
    LAB_OP_LT,
    LAB_OP_LE,
    LAB_OP_MAX,
    LAB_OP_MIN,
    LAB_OP_ADD,
    LAB_OP_SUB,
    LAB_OP_MUL,
    LAB_OP_DIV,
    LAB_OP_MOD,
    LAB_OP_MAP,
    LAB_OP_FILTER,
    LAB_OP_REDUCE,
    LAB_OP_ALL,
    LAB_OP_NONE,
    LAB_OP_SOME,
    LAB_OP_MERGE,
    LAB_OP_IN,
    LAB_OP_CAT,
    LAB_OP_SUBSTR,
    LAB_OP_LOG,
    LAB_OP_COUNT_ /* number of operators; not an operator */
} lab_op;

/* The JsonLogic name of an operator ("==", "var", ...); NULL for LIT and
 * ARRAY. */
const char *lab_op_name(lab_op op);
/* The operator with JsonLogic name s[0..n), or -1. */
int lab_op_lookup(const char *s, size_t n);

/* A field a condition reads, resolved against the record schema when a
 * rule is compiled (see schema.h).  Opaque to the evaluator. */
typedef struct lab_fieldref lab_fieldref;

enum {
    /* node.flags: the operator's argument was written as a single value,
     * not an array ({"!": x} rather than {"!": [x]}); kept so JsonLogic
     * round-trips unchanged. */
    LAB_NODE_SCALAR_ARG = 1u << 0
};

typedef struct lab_node {
    uint16_t op;    /* lab_op */
    uint16_t flags; /* LAB_NODE_* */
    uint32_t nargs;
    struct lab_node **args;
    lab_val lit;             /* LAB_OP_LIT */
    const lab_fieldref *ref; /* LAB_OP_VAR with a constant path, once
                                resolved; NULL otherwise */
    unsigned line, col;      /* position in the infix source, 0 if none */
} lab_node;

/* Maximum nesting depth of an expression, and its size in nodes
 * (operations and values), enforced by both readers. */
enum { LAB_EXPR_MAX_DEPTH = 128, LAB_EXPR_MAX_NODES = 1 << 20 };

/* ---- evaluation ---- */

/* Reads a resolved field of the current scope into *out.  Provided by the
 * engine; strings it returns must outlive the evaluation. */
typedef int (*lab_fetch_fn)(const void *scope, const lab_fieldref *ref,
                            lab_val *out);

/* Evaluation steps (nodes evaluated, values walked, substring positions
 * tried) left to a whole check: every evaluation of the check draws on
 * it, so a condition that is slow on each record cannot make the check
 * unbounded.  One evaluation takes at most LAB_EVAL_STEP_MAX whatever is
 * left. */
typedef struct lab_budget {
    uint64_t total; /* as set, for messages */
    uint64_t left;
} lab_budget;

enum { LAB_EVAL_STEP_MAX = 1 << 25 };

typedef struct lab_eval_ctx {
    const lab_val *data; /* the document "var" reads when not resolved */
    const void *scope;   /* record scope for resolved vars, or NULL */
    lab_fetch_fn fetch;  /* reads resolved vars from scope */
    lab_arena *scratch;  /* temporaries (cat, merge, map results...) */
    lab_budget *budget;  /* steps left to the check, or NULL */
} lab_eval_ctx;

/* Evaluates n.  A resolved var (n->ref != NULL) is read through
 * ctx->fetch when ctx->scope is set; otherwise "var" walks ctx->data by
 * its dotted path.  Inside map/filter/reduce/all/some/none the data is the
 * current element and the scope is not used.  Results may point into
 * ctx->scratch, into the tree, or into the data.  Returns LAB_OK,
 * LAB_ENOMEM, or LAB_ELIMIT (recursion, size, or steps: the evaluation's
 * own limit or the check's budget, which it charges with its steps). */
int lab_eval(lab_val *out, const lab_node *n, const lab_eval_ctx *ctx);

/* ---- reading and writing JsonLogic ---- */

/* Builds a tree from a JsonLogic rule in arena a.  Unknown operators are
 * an error naming the JSON path of the offending object. */
int lab_jl_from_json(lab_node **out, lab_arena *a, const json_t *rule);
/* Parses JsonLogic text (with a `origin` for file:line:col messages). */
int lab_jl_parse(lab_node **out, lab_arena *a, const char *text, size_t len,
                 const char *origin);
/* Writes the tree as JsonLogic JSON. */
void lab_jl_write(lab_buf *b, const lab_node *n);

/* ---- the infix condition language (condition.c) ---- */

/* Parses a condition.  `origin` and (line, col) locate the text's first
 * character in its file, so messages say file:line:col. */
int lab_cond_parse(lab_node **out, lab_arena *a, const char *text, size_t len,
                   lab_pos origin);
/* Writes the tree in the infix language (fully round-trips). */
void lab_cond_write(lab_buf *b, const lab_node *n);

/* A node for a constant or operator, allocated in a (NULL on OOM). */
lab_node *lab_node_new(lab_arena *a, lab_op op, uint32_t nargs);

#endif /* LAB_EXPR_H */
