/*
 * condition.c - the infix condition language that rule authors write, read
 * into the same tree as JsonLogic and written back from it.  A recursive
 * descent parser with one function per precedence level (ternary, or,
 * and, not, comparison, sum, product, unary, primary); every error names
 * file:line:col and what was expected.  The printer uses the same
 * precedence table, so parse(print(t)) == t for every tree the parser can
 * make, and any JsonLogic tree prints as something the parser reads back
 * (operators with unusual arities are written as calls, `op`(args)).
 *
 * Grammar:
 *   expr  := or ['?' expr ':' expr]
 *   or    := and {'or' and}          and := not {'and' not}
 *   not   := ('not' | '!') not | '!!' not | cmp
 *   cmp   := sum {cmpop sum}         (only < and <= chain: a < b < c)
 *   cmpop := == != === !== < <= > >= in | 'not' 'in'
 *   sum   := prod {('+'|'-') prod}   prod := unary {('*'|'/'|'%') unary}
 *   unary := ('-'|'+') unary | primary
 *   primary := number | string | true | false | null | '[' [expr {',' expr}]
 * ']' | path | name '(' [expr {',' expr}] ')' | '(' expr ')' path  := ident
 * {'.' (ident | digits)}   name := ident | `any operator` Inside map, filter,
 * reduce, all, some and none, `it` is the element and `it.x` its field x.
 */
#include "expr.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum tok {
    T_END,
    T_NUM,
    T_STR,
    T_IDENT,
    T_QNAME, /* `name` */
    T_LP,
    T_RP,
    T_LB,
    T_RB,
    T_COMMA,
    T_DOT,
    T_QUEST,
    T_COLON,
    T_OP /* an operator symbol; its lab_op in tok_op */
};

typedef struct parser {
    lab_arena *a;
    const char *s, *end, *p;
    lab_pos origin;
    /* current token */
    enum tok tok;
    const char *tstart;
    size_t tlen;
    int top; /* lab_op of T_OP */
    double num;
    unsigned line, col; /* of the current token */
    /* position of p */
    unsigned pline, pcol;
    int depth;
    size_t nodes;  /* made so far: at most LAB_EXPR_MAX_NODES */
    int callback;  /* > 0 inside a map/filter/... body */
    int after_dot; /* the previous token was '.': digits are a segment */
    int rc;
} parser;

static int perr(parser *ps, unsigned line, unsigned col, const char *fmt, ...)
    LAB_PRINTF(4, 5);

static int perr(parser *ps, unsigned line, unsigned col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    if (ps->rc != LAB_OK)
        return ps->rc; /* keep the first error */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ps->rc = lab_seterr(LAB_EPARSE, "%s:%u:%u: %s",
                        ps->origin.file ? ps->origin.file : "<condition>", line,
                        col, msg);
    return ps->rc;
}

static void advance_char(parser *ps)
{
    if (*ps->p == '\n') {
        ps->pline++;
        ps->pcol = 1;
    } else if (((unsigned char)*ps->p & 0xc0) != 0x80) {
        ps->pcol++;
    }
    ps->p++;
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

static const struct {
    const char *text;
    int op;
} symbols[] = {
    {"===", LAB_OP_SEQ},   {"!==", LAB_OP_SNE}, {"==", LAB_OP_EQ},
    {"!=", LAB_OP_NE},     {"<=", LAB_OP_LE},   {">=", LAB_OP_GE},
    {"!!", LAB_OP_NOTNOT}, {"<", LAB_OP_LT},    {">", LAB_OP_GT},
    {"+", LAB_OP_ADD},     {"-", LAB_OP_SUB},   {"*", LAB_OP_MUL},
    {"/", LAB_OP_DIV},     {"%", LAB_OP_MOD},   {"!", LAB_OP_NOT},
};

static void lex_string(parser *ps)
{
    char q = *ps->p;
    advance_char(ps);
    ps->tstart = ps->p;
    while (ps->p < ps->end && *ps->p != q) {
        if (*ps->p == '\\' && ps->p + 1 < ps->end)
            advance_char(ps);
        advance_char(ps);
    }
    if (ps->p >= ps->end) {
        perr(ps, ps->line, ps->col,
             "unterminated string: expected a closing %c", q);
        ps->tok = T_END;
        return;
    }
    ps->tlen = (size_t)(ps->p - ps->tstart);
    advance_char(ps);
    ps->tok = T_STR;
}

static void lex_number(parser *ps)
{
    ps->tstart = ps->p;
    if (ps->after_dot) {
        /* a path segment such as the 0 of items.0.name */
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            advance_char(ps);
        ps->tlen = (size_t)(ps->p - ps->tstart);
        ps->tok = T_NUM;
        return;
    }
    while (ps->p < ps->end &&
           ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' ||
            *ps->p == 'e' || *ps->p == 'E' ||
            ((*ps->p == '+' || *ps->p == '-') &&
             (ps->p[-1] == 'e' || ps->p[-1] == 'E'))))
        advance_char(ps);
    ps->tlen = (size_t)(ps->p - ps->tstart);
    if (!lab_num_parse(ps->tstart, ps->tlen, &ps->num))
        perr(ps, ps->line, ps->col, "malformed number '%.*s'", (int)ps->tlen,
             ps->tstart);
    ps->tok = T_NUM;
}

static void next_token(parser *ps);

static void next(parser *ps)
{
    ps->after_dot = ps->tok == T_DOT && ps->tlen == 1;
    next_token(ps);
}

static void next_token(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
                               *ps->p == '\n' || *ps->p == '\r'))
        advance_char(ps);
    ps->line = ps->pline;
    ps->col = ps->pcol;
    ps->tstart = ps->p;
    ps->tlen = 0;
    if (ps->p >= ps->end) {
        ps->tok = T_END;
        return;
    }
    char c = *ps->p;
    if (c == '"' || c == '\'') {
        lex_string(ps);
        return;
    }
    if (c >= '0' && c <= '9') {
        lex_number(ps);
        return;
    }
    if (is_ident_start(c)) {
        while (ps->p < ps->end && is_ident_char(*ps->p))
            advance_char(ps);
        ps->tlen = (size_t)(ps->p - ps->tstart);
        ps->tok = T_IDENT;
        return;
    }
    if (c == '`') {
        advance_char(ps);
        ps->tstart = ps->p;
        while (ps->p < ps->end && *ps->p != '`' && *ps->p != '\n')
            advance_char(ps);
        if (ps->p >= ps->end || *ps->p != '`') {
            perr(ps, ps->line, ps->col, "unterminated `name`");
            ps->tok = T_END;
            return;
        }
        ps->tlen = (size_t)(ps->p - ps->tstart);
        advance_char(ps);
        ps->tok = T_QNAME;
        return;
    }
    static const char punct[] = "()[],.?:";
    static const enum tok ptok[] = {T_LP,    T_RP,  T_LB,    T_RB,
                                    T_COMMA, T_DOT, T_QUEST, T_COLON};
    const char *pp = strchr(punct, c);
    if (pp != NULL && c != '\0') {
        advance_char(ps);
        ps->tlen = 1;
        ps->tok = ptok[pp - punct];
        return;
    }
    for (size_t i = 0; i < LAB_ARRAY_LEN(symbols); i++) {
        size_t n = strlen(symbols[i].text);
        if ((size_t)(ps->end - ps->p) >= n &&
            memcmp(ps->p, symbols[i].text, n) == 0) {
            for (size_t k = 0; k < n; k++)
                advance_char(ps);
            ps->tlen = n;
            ps->tok = T_OP;
            ps->top = symbols[i].op;
            return;
        }
    }
    perr(ps, ps->line, ps->col, "unexpected character '%c'",
         (c >= 0x20 && c < 0x7f) ? c : '?');
    ps->tok = T_END;
}

static int is_kw(const parser *ps, const char *kw)
{
    return ps->tok == T_IDENT && strlen(kw) == ps->tlen &&
           memcmp(ps->tstart, kw, ps->tlen) == 0;
}

static const char *describe(const parser *ps, char buf[48])
{
    if (ps->tok == T_END)
        return "end of condition";
    snprintf(buf, 48, "'%.*s'", (int)(ps->tlen > 30 ? 30 : ps->tlen),
             ps->tstart);
    return buf;
}

static lab_node *expected(parser *ps, const char *what)
{
    char b[48];
    perr(ps, ps->line, ps->col, "expected %s, got %s", what, describe(ps, b));
    return NULL;
}

static lab_node *mk(parser *ps, lab_op op, uint32_t nargs, unsigned line,
                    unsigned col)
{
    if (++ps->nodes > LAB_EXPR_MAX_NODES) {
        perr(ps, line, col, "condition has more than %d operations and values",
             LAB_EXPR_MAX_NODES);
        return NULL;
    }
    lab_node *n = lab_node_new(ps->a, op, nargs);
    if (n == NULL) {
        if (ps->rc == LAB_OK)
            ps->rc = lab_seterr(LAB_ENOMEM, "out of memory");
        return NULL;
    }
    n->line = line;
    n->col = col;
    return n;
}

static lab_node *mk2(parser *ps, lab_op op, lab_node *x, lab_node *y,
                     unsigned line, unsigned col)
{
    lab_node *n = mk(ps, op, 2, line, col);
    if (n != NULL) {
        n->args[0] = x;
        n->args[1] = y;
    }
    return n;
}

static lab_node *mk1(parser *ps, lab_op op, lab_node *x, unsigned line,
                     unsigned col)
{
    lab_node *n = mk(ps, op, 1, line, col);
    if (n != NULL)
        n->args[0] = x;
    return n;
}

/* Appends y to an n-ary node of the same operator, or makes op(x, y).
 * The node's argument array has room for nargs rounded up to a power of
 * two (mk1 and mk2 allocate exactly 1 and 2): it is copied only when
 * full, into one twice the size, so a chain of n terms takes O(n) time
 * and memory, not O(n^2). */
static lab_node *nary(parser *ps, lab_op op, lab_node *x, lab_node *y,
                      unsigned line, unsigned col)
{
    if (x->op != op)
        return mk2(ps, op, x, y, line, col);
    uint32_t n = x->nargs;
    if (n == UINT32_MAX) {
        ps->rc = lab_seterr(LAB_ELIMIT, "condition has too many terms");
        return NULL;
    }
    if ((n & (n - 1)) == 0) { /* full */
        lab_node **args = lab_arena_alloc(ps->a, 2 * (size_t)n * sizeof *args);
        if (args == NULL) {
            ps->rc = lab_seterr(LAB_ENOMEM, "out of memory");
            return NULL;
        }
        memcpy(args, x->args, n * sizeof *args);
        x->args = args;
    }
    x->args[x->nargs++] = y;
    return x;
}

static lab_node *parse_expr(parser *ps);

static lab_node *lit_str(parser *ps, const char *s, size_t n, unsigned line,
                         unsigned col)
{
    lab_node *node = mk(ps, LAB_OP_LIT, 0, line, col);
    if (node == NULL)
        return NULL;
    char *copy = lab_arena_strndup(ps->a, s, n);
    if (copy == NULL) {
        ps->rc = lab_seterr(LAB_ENOMEM, "out of memory");
        return NULL;
    }
    node->lit = lab_val_str(copy, n);
    return node;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                              : 16u;
        if (d > 15)
            return 0;
        *v = *v * 16 + d;
    }
    return 1;
}

/* Decodes the XXXX of \uXXXX (and a following \uYYYY low surrogate) at s
 * into UTF-8 at out; returns the characters of s used, 0 if malformed.
 * The output needs at most 4 bytes, never more than the escape's 6. */
static size_t decode_u_escape(const char *s, size_t n, char *out)
{
    unsigned cp, lo;
    size_t used = 4;
    if (n < 4 || !hex4(s, &cp))
        return 0;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return 0;
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (n < 10 || s[4] != '\\' || s[5] != 'u' || !hex4(s + 6, &lo) ||
            lo < 0xdc00 || lo > 0xdfff)
            return 0;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        used = 10;
    }
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        o[0] = (unsigned char)(0xf0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    }
    return used;
}

static size_t utf8_len_of(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Decodes the escapes of a string token into a literal node. */
static lab_node *string_literal(parser *ps)
{
    const char *s = ps->tstart;
    size_t n = ps->tlen;
    char *out = lab_arena_alloc(ps->a, n + 1);
    size_t k = 0;
    if (out == NULL) {
        ps->rc = lab_seterr(LAB_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[k++] = s[i];
            continue;
        }
        char e = s[++i];
        switch (e) {
        case 'n':
            out[k++] = '\n';
            break;
        case 't':
            out[k++] = '\t';
            break;
        case 'r':
            out[k++] = '\r';
            break;
        case 'b':
            out[k++] = '\b';
            break;
        case 'f':
            out[k++] = '\f';
            break;
        case '\\':
        case '"':
        case '\'':
        case '/':
            out[k++] = e;
            break;
        case 'u': {
            size_t used = decode_u_escape(s + i + 1, n - i - 1, out + k);
            if (used == 0) {
                perr(ps, ps->line, ps->col,
                     "bad \\u escape in string (expected \\uXXXX, a "
                     "surrogate pair for characters beyond U+FFFF)");
                return NULL;
            }
            i += used;
            k += utf8_len_of(out + k);
            break;
        }
        default:
            perr(ps, ps->line, ps->col,
                 "unknown escape '\\%c' in string (expected \\n \\t \\r \\b "
                 "\\f \\uXXXX \\\\ \\\" or \\')",
                 (e >= 0x20 && e < 0x7f) ? e : '?');
            return NULL;
        }
    }
    out[k] = '\0';
    if (lab_utf8_check(out, k) != k) {
        perr(ps, ps->line, ps->col, "string is not valid UTF-8");
        return NULL;
    }
    lab_node *node = mk(ps, LAB_OP_LIT, 0, ps->line, ps->col);
    if (node != NULL)
        node->lit = lab_val_str(out, k);
    return node;
}

static int is_callback_op(int op)
{
    return op == LAB_OP_MAP || op == LAB_OP_FILTER || op == LAB_OP_REDUCE ||
           op == LAB_OP_ALL || op == LAB_OP_SOME || op == LAB_OP_NONE;
}

/* name '(' args ')' ; the name is already the current token. */
static lab_node *parse_call(parser *ps, int op, unsigned line, unsigned col)
{
    lab_node *argv[64];
    uint32_t argc = 0;
    next(ps); /* '(' */
    next(ps);
    while (ps->tok != T_RP) {
        if (argc == LAB_ARRAY_LEN(argv)) {
            perr(ps, ps->line, ps->col, "more than 64 arguments");
            return NULL;
        }
        int body = is_callback_op(op) && argc == 1;
        ps->callback += body;
        lab_node *arg = parse_expr(ps);
        ps->callback -= body;
        if (arg == NULL)
            return NULL;
        argv[argc++] = arg;
        if (ps->tok == T_COMMA)
            next(ps);
        else if (ps->tok != T_RP)
            return expected(ps, "',' or ')'");
    }
    next(ps);
    lab_node *n = mk(ps, (lab_op)op, argc, line, col);
    if (n != NULL && argc > 0)
        memcpy(n->args, argv, argc * sizeof *argv);
    return n;
}

static lab_node *parse_path(parser *ps)
{
    unsigned line = ps->line, col = ps->col;
    lab_buf path = LAB_BUF_INIT;
    int it = is_kw(ps, "it");
    if (it && ps->callback == 0) {
        perr(ps, line, col,
             "'it' is the current element, only inside map, filter, reduce, "
             "all, some or none");
        return NULL;
    }
    if (!it)
        lab_buf_add(&path, ps->tstart, ps->tlen);
    next(ps);
    while (ps->tok == T_DOT) {
        next(ps);
        if (ps->tok != T_IDENT && ps->tok != T_NUM) {
            lab_buf_free(&path);
            return expected(ps, "a field name after '.'");
        }
        if (path.len > 0 || !it)
            lab_buf_addc(&path, '.');
        lab_buf_add(&path, ps->tstart, ps->tlen);
        next(ps);
    }
    if (path.oom) {
        lab_buf_free(&path);
        ps->rc = lab_seterr(LAB_ENOMEM, "out of memory");
        return NULL;
    }
    /* `it` is the element ({"var": ""}); `it.x` is its field x */
    lab_node *lit =
        lit_str(ps, path.data ? path.data : "", path.len, line, col);
    lab_buf_free(&path);
    lab_node *var = lit ? mk1(ps, LAB_OP_VAR, lit, line, col) : NULL;
    if (var != NULL)
        var->flags |= LAB_NODE_SCALAR_ARG; /* {"var": "a.b"} */
    return var;
}

static lab_node *parse_list(parser *ps)
{
    unsigned line = ps->line, col = ps->col;
    lab_node *items[256];
    uint32_t n = 0;
    next(ps);
    while (ps->tok != T_RB) {
        if (n == LAB_ARRAY_LEN(items)) {
            perr(ps, ps->line, ps->col, "more than 256 list items");
            return NULL;
        }
        lab_node *x = parse_expr(ps);
        if (x == NULL)
            return NULL;
        items[n++] = x;
        if (ps->tok == T_COMMA)
            next(ps);
        else if (ps->tok != T_RB)
            return expected(ps, "',' or ']'");
    }
    next(ps);
    lab_node *arr = mk(ps, LAB_OP_ARRAY, n, line, col);
    if (arr != NULL && n > 0)
        memcpy(arr->args, items, n * sizeof *items);
    return arr;
}

static lab_node *parse_primary(parser *ps)
{
    unsigned line = ps->line, col = ps->col;
    lab_node *n;
    switch (ps->tok) {
    case T_NUM:
        n = mk(ps, LAB_OP_LIT, 0, line, col);
        if (n != NULL)
            n->lit = lab_val_num(ps->num);
        next(ps);
        return n;
    case T_STR:
        n = string_literal(ps);
        next(ps);
        return n;
    case T_LB:
        return parse_list(ps);
    case T_LP:
        next(ps);
        n = parse_expr(ps);
        if (n == NULL)
            return NULL;
        if (ps->tok != T_RP)
            return expected(ps, "')'");
        next(ps);
        return n;
    case T_QNAME:
    case T_IDENT: {
        if (is_kw(ps, "true") || is_kw(ps, "false") || is_kw(ps, "null")) {
            n = mk(ps, LAB_OP_LIT, 0, line, col);
            if (n != NULL)
                n->lit = is_kw(ps, "null") ? lab_val_null()
                                           : lab_val_bool(is_kw(ps, "true"));
            next(ps);
            return n;
        }
        /* a call if '(' follows the name */
        const char *q = ps->p;
        while (q < ps->end && (*q == ' ' || *q == '\t'))
            q++;
        if (q < ps->end && *q == '(') {
            int op = lab_op_lookup(ps->tstart, ps->tlen);
            if (op < 0 || op == LAB_OP_LIT || op == LAB_OP_ARRAY) {
                perr(ps, line, col,
                     "unknown function '%.*s' (expected a JsonLogic "
                     "operation such as max, min, cat, substr, merge, "
                     "missing, if, map, filter, reduce, all, some, none)",
                     (int)ps->tlen, ps->tstart);
                return NULL;
            }
            return parse_call(ps, op, line, col);
        }
        if (ps->tok == T_QNAME)
            return expected(ps, "'(' after a `name`");
        if (is_kw(ps, "and") || is_kw(ps, "or") || is_kw(ps, "not") ||
            is_kw(ps, "in"))
            return expected(ps, "a value or a field (not a keyword)");
        return parse_path(ps);
    }
    default:
        return expected(ps, "a value, a field, '(' or '['");
    }
}

static lab_node *parse_unary(parser *ps)
{
    if (ps->tok == T_OP && (ps->top == LAB_OP_SUB || ps->top == LAB_OP_ADD)) {
        unsigned line = ps->line, col = ps->col;
        int op = ps->top;
        next(ps);
        if (++ps->depth > LAB_EXPR_MAX_DEPTH) {
            perr(ps, line, col, "condition nested too deeply");
            return NULL;
        }
        /* -3 is a literal; -(3) stays the operation {"-": [3]} */
        int paren = ps->tok == T_LP;
        lab_node *x = parse_unary(ps);
        ps->depth--;
        if (x == NULL)
            return NULL;
        if (op == LAB_OP_SUB && !paren && x->op == LAB_OP_LIT &&
            x->lit.t == LAB_V_NUM) {
            x->lit.u.d = -x->lit.u.d; /* a negative literal */
            x->line = line;
            x->col = col;
            return x;
        }
        return mk1(ps, (lab_op)op, x, line, col);
    }
    return parse_primary(ps);
}

static lab_node *parse_binary_level(parser *ps, const int *ops, size_t nops,
                                    lab_node *(*sub)(parser *))
{
    lab_node *x = sub(ps);
    lab_node *chain = NULL; /* the n-ary node this loop is growing */
    unsigned line = x ? x->line : 0, col = x ? x->col : 0;
    while (x != NULL && ps->tok == T_OP) {
        int op = -1;
        for (size_t i = 0; i < nops; i++)
            if (ps->top == ops[i])
                op = ops[i];
        if (op < 0)
            break;
        next(ps);
        lab_node *y = sub(ps);
        if (y == NULL)
            return NULL;
        /* + and * are n-ary in JsonLogic: a + b + c is one "+", while
         * (a + b) + c keeps its parentheses as a nested "+" */
        if (x == chain && x->op == op)
            x = nary(ps, (lab_op)op, x, y, line, col);
        else
            x = mk2(ps, (lab_op)op, x, y, line, col);
        chain = (op == LAB_OP_ADD || op == LAB_OP_MUL) ? x : NULL;
    }
    return x;
}

static lab_node *parse_prod(parser *ps)
{
    static const int ops[] = {LAB_OP_MUL, LAB_OP_DIV, LAB_OP_MOD};
    return parse_binary_level(ps, ops, LAB_ARRAY_LEN(ops), parse_unary);
}

static lab_node *parse_sum(parser *ps)
{
    static const int ops[] = {LAB_OP_ADD, LAB_OP_SUB};
    return parse_binary_level(ps, ops, LAB_ARRAY_LEN(ops), parse_prod);
}

static int cmp_op(const parser *ps, int *negate)
{
    *negate = 0;
    if (ps->tok == T_OP) {
        switch (ps->top) {
        case LAB_OP_EQ:
        case LAB_OP_NE:
        case LAB_OP_SEQ:
        case LAB_OP_SNE:
        case LAB_OP_LT:
        case LAB_OP_LE:
        case LAB_OP_GT:
        case LAB_OP_GE:
            return ps->top;
        default:
            return -1;
        }
    }
    if (is_kw(ps, "in"))
        return LAB_OP_IN;
    if (is_kw(ps, "not")) {
        /* `not in` */
        const char *q = ps->p;
        while (q < ps->end && (*q == ' ' || *q == '\t' || *q == '\n'))
            q++;
        if (ps->end - q >= 2 && q[0] == 'i' && q[1] == 'n' &&
            (ps->end - q == 2 || !is_ident_char(q[2]))) {
            *negate = 1;
            return LAB_OP_IN;
        }
    }
    return -1;
}

static lab_node *parse_cmp(parser *ps)
{
    lab_node *x = parse_sum(ps);
    int negate;
    int op;
    if (x == NULL || (op = cmp_op(ps, &negate)) < 0)
        return x;
    unsigned line = ps->line, col = ps->col;
    next(ps);
    if (negate)
        next(ps); /* the `in` of `not in` */
    lab_node *y = parse_sum(ps);
    if (y == NULL)
        return NULL;
    lab_node *n = mk2(ps, (lab_op)op, x, y, line, col);
    int again;
    int op2 = cmp_op(ps, &again);
    if (n != NULL && op2 >= 0) {
        if (!((op == LAB_OP_LT || op == LAB_OP_LE) && op2 == op && !again)) {
            perr(ps, ps->line, ps->col,
                 "comparisons chain only as a < b < c or a <= b <= c; add "
                 "parentheses or 'and'");
            return NULL;
        }
        next(ps);
        lab_node *z = parse_sum(ps);
        if (z == NULL)
            return NULL;
        lab_node *b = mk(ps, (lab_op)op, 3, line, col);
        if (b == NULL)
            return NULL;
        b->args[0] = x;
        b->args[1] = y;
        b->args[2] = z;
        n = b;
    }
    if (n != NULL && negate)
        n = mk1(ps, LAB_OP_NOT, n, line, col);
    return n;
}

static lab_node *parse_not(parser *ps)
{
    int op = -1;
    /* `not x` is {"!": [x]}; the symbols `!x` and `!!x` are the scalar
     * forms {"!": x} and {"!!": x} */
    int scalar = ps->tok == T_OP;
    if (is_kw(ps, "not") || (ps->tok == T_OP && ps->top == LAB_OP_NOT))
        op = LAB_OP_NOT;
    else if (ps->tok == T_OP && ps->top == LAB_OP_NOTNOT)
        op = LAB_OP_NOTNOT;
    if (op < 0)
        return parse_cmp(ps);
    unsigned line = ps->line, col = ps->col;
    next(ps);
    if (++ps->depth > LAB_EXPR_MAX_DEPTH) {
        perr(ps, line, col, "condition nested too deeply");
        return NULL;
    }
    lab_node *x = parse_not(ps);
    ps->depth--;
    lab_node *n = x ? mk1(ps, (lab_op)op, x, line, col) : NULL;
    if (n != NULL && scalar)
        n->flags |= LAB_NODE_SCALAR_ARG;
    return n;
}

static lab_node *parse_logic(parser *ps, const char *kw, lab_op op,
                             lab_node *(*sub)(parser *))
{
    lab_node *x = sub(ps);
    if (x == NULL || !is_kw(ps, kw))
        return x;
    unsigned line = ps->line, col = ps->col;
    lab_node *n = mk1(ps, op, x, line, col);
    while (n != NULL && is_kw(ps, kw)) {
        next(ps);
        lab_node *y = sub(ps);
        if (y == NULL)
            return NULL;
        n = nary(ps, op, n, y, line, col);
    }
    return n;
}

static lab_node *parse_and(parser *ps)
{
    return parse_logic(ps, "and", LAB_OP_AND, parse_not);
}

static lab_node *parse_or(parser *ps)
{
    return parse_logic(ps, "or", LAB_OP_OR, parse_and);
}

static lab_node *parse_expr(parser *ps)
{
    if (++ps->depth > LAB_EXPR_MAX_DEPTH) {
        perr(ps, ps->line, ps->col, "condition nested too deeply (over %d)",
             LAB_EXPR_MAX_DEPTH);
        return NULL;
    }
    lab_node *c = parse_or(ps);
    if (c != NULL && ps->tok == T_QUEST) {
        unsigned line = ps->line, col = ps->col;
        next(ps);
        lab_node *a = parse_expr(ps);
        if (a == NULL)
            return NULL;
        if (ps->tok != T_COLON)
            return expected(ps, "':' of 'cond ? a : b'");
        next(ps);
        lab_node *b = parse_expr(ps);
        if (b == NULL)
            return NULL;
        lab_node *t = mk(ps, LAB_OP_TERN, 3, line, col);
        if (t == NULL)
            return NULL;
        t->args[0] = c;
        t->args[1] = a;
        t->args[2] = b;
        c = t;
    }
    ps->depth--;
    return c;
}

/* How deep the tree nests once written as JsonLogic: an operation is an
 * object holding an array of arguments (two levels, one in scalar form). */
static int val_depth(const lab_val *v)
{
    int d = 0;
    if (v->t == LAB_V_ARR)
        for (uint32_t i = 0; i < v->n; i++) {
            int k = val_depth(&v->u.a[i]);
            d = k > d ? k : d;
        }
    return v->t == LAB_V_ARR || v->t == LAB_V_OBJ ? d + 1 : 0;
}

static int jl_depth(const lab_node *n)
{
    if (n->op == LAB_OP_LIT)
        return val_depth(&n->lit);
    int d = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        int k = jl_depth(n->args[i]);
        d = k > d ? k : d;
    }
    if (n->op == LAB_OP_ARRAY)
        return d + 1;
    return d + ((n->flags & LAB_NODE_SCALAR_ARG) ? 1 : 2);
}

int lab_cond_parse(lab_node **out, lab_arena *a, const char *text, size_t len,
                   lab_pos origin)
{
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.a = a;
    ps.s = ps.p = text;
    ps.end = text + len;
    ps.origin = origin;
    ps.pline = origin.line ? origin.line : 1;
    ps.pcol = origin.col ? origin.col : 1;
    ps.rc = LAB_OK;

    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        while (ps.p < nul)
            advance_char(&ps);
        return lab_seterr(LAB_EPARSE, "%s:%u:%u: NUL byte in condition",
                          origin.file ? origin.file : "<condition>", ps.pline,
                          ps.pcol);
    }
    next(&ps);
    if (ps.tok == T_END && ps.rc == LAB_OK)
        return perr(&ps, ps.line, ps.col, "empty condition");
    lab_node *n = ps.rc == LAB_OK ? parse_expr(&ps) : NULL;
    if (n != NULL && ps.tok != T_END)
        expected(&ps, "an operator or the end of the condition");
    if (ps.rc != LAB_OK)
        return ps.rc;
    if (n == NULL)
        return lab_seterr(LAB_EPARSE, "%s: cannot parse condition",
                          origin.file ? origin.file : "<condition>");
    if (jl_depth(n) > LAB_EXPR_MAX_DEPTH)
        return lab_seterr(LAB_EPARSE,
                          "%s:%u:%u: condition nested too deeply: as "
                          "JsonLogic it would nest over %d levels",
                          origin.file ? origin.file : "<condition>", n->line,
                          n->col, LAB_EXPR_MAX_DEPTH);
    *out = n;
    return LAB_OK;
}

/* ---- printing ---- */

enum { P_TERN = 1, P_OR, P_AND, P_NOT, P_CMP, P_SUM, P_PROD, P_UNARY, P_ATOM };

static int infix_prec(const lab_node *n)
{
    switch (n->op) {
    case LAB_OP_TERN:
        return n->nargs == 3 ? P_TERN : 0;
    case LAB_OP_OR:
    case LAB_OP_AND:
        return n->nargs >= 2 ? (n->op == LAB_OP_OR ? P_OR : P_AND) : 0;
    case LAB_OP_NOT:
    case LAB_OP_NOTNOT:
        return n->nargs == 1 ? P_NOT : 0;
    case LAB_OP_EQ:
    case LAB_OP_NE:
    case LAB_OP_SEQ:
    case LAB_OP_SNE:
    case LAB_OP_GT:
    case LAB_OP_GE:
    case LAB_OP_IN:
        return n->nargs == 2 ? P_CMP : 0;
    case LAB_OP_LT:
    case LAB_OP_LE:
        return n->nargs == 2 || n->nargs == 3 ? P_CMP : 0;
    case LAB_OP_ADD:
    case LAB_OP_MUL:
        if (n->nargs >= 2)
            return n->op == LAB_OP_ADD ? P_SUM : P_PROD;
        return n->nargs == 1 && n->op == LAB_OP_ADD ? P_UNARY : 0;
    case LAB_OP_SUB:
        return n->nargs == 2 ? P_SUM : n->nargs == 1 ? P_UNARY : 0;
    case LAB_OP_DIV:
    case LAB_OP_MOD:
        return n->nargs == 2 ? P_PROD : 0;
    default:
        return 0; /* printed as a call or atom */
    }
}

static void write_node(lab_buf *b, const lab_node *n, int minprec, int cb);

/* An identifier, then '.'-separated identifiers or digit runs: what the
 * parser reads back as a path.  After `it.` the first segment may be
 * digits too. */
static int is_path_after(const char *s, size_t n, int digits_first);

static int is_ident_path(const char *s, size_t n)
{
    return is_path_after(s, n, 0);
}

static int is_path_after(const char *s, size_t n, int digits_first)
{
    size_t i = 0;
    if (n == 0 || (!is_ident_start(s[0]) && !digits_first))
        return 0;
    for (;;) {
        size_t start = i;
        if (i < n && (s[i] >= '0' && s[i] <= '9') && (i > 0 || digits_first)) {
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        } else if (i < n && is_ident_start(s[i])) {
            while (i < n && is_ident_char(s[i]))
                i++;
        }
        if (i == start)
            return 0;
        if (i == n)
            return 1;
        if (s[i++] != '.')
            return 0;
    }
}

static int is_keyword(const char *s, size_t n)
{
    static const char *const kw[] = {"and",  "or",    "not",  "in",
                                     "true", "false", "null", "it"};
    for (size_t i = 0; i < LAB_ARRAY_LEN(kw); i++) {
        size_t k = strlen(kw[i]);
        if (n >= k && memcmp(s, kw[i], k) == 0 && (n == k || s[k] == '.'))
            return 1;
    }
    return 0;
}

static void write_literal(lab_buf *b, const lab_val *v)
{
    if (v->t == LAB_V_NUM && v->u.d == 0 && signbit(v->u.d)) {
        lab_buf_adds(b, "-0"); /* JSON would say 0 and lose the sign */
    } else if (v->t == LAB_V_ARR) {
        lab_buf_addc(b, '[');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i > 0)
                lab_buf_adds(b, ", ");
            write_literal(b, &v->u.a[i]);
        }
        lab_buf_addc(b, ']');
    } else {
        lab_val_to_json(b, v);
    }
}

static void write_call(lab_buf *b, const lab_node *n, int cb)
{
    const char *name = lab_op_name((lab_op)n->op);
    if (is_ident_path(name, strlen(name)) && !is_keyword(name, strlen(name)))
        lab_buf_adds(b, name);
    else
        lab_buf_printf(b, "`%s`", name);
    lab_buf_addc(b, '(');
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (i > 0)
            lab_buf_adds(b, ", ");
        int body = is_callback_op(n->op) && i == 1;
        write_node(b, n->args[i], P_TERN, cb + body);
    }
    lab_buf_addc(b, ')');
}

static void write_var(lab_buf *b, const lab_node *n, int cb)
{
    const lab_node *p = n->nargs == 1 ? n->args[0] : NULL;
    if (p != NULL && p->op == LAB_OP_LIT && p->lit.t == LAB_V_STR &&
        (n->flags & LAB_NODE_SCALAR_ARG)) {
        const char *s = p->lit.u.s;
        size_t len = p->lit.n;
        if (cb > 0 && len == 0) {
            lab_buf_adds(b, "it");
            return;
        }
        if (cb > 0 ? is_path_after(s, len, 1)
                   : is_ident_path(s, len) && !is_keyword(s, len)) {
            if (cb > 0)
                lab_buf_adds(b, "it.");
            lab_buf_add(b, s, len);
            return;
        }
    }
    write_call(b, n, cb);
}

static const char *infix_symbol(int op)
{
    switch (op) {
    case LAB_OP_OR:
        return " or ";
    case LAB_OP_AND:
        return " and ";
    case LAB_OP_IN:
        return " in ";
    default:
        return NULL;
    }
}

static void write_node(lab_buf *b, const lab_node *n, int minprec, int cb)
{
    int prec = infix_prec(n);
    if (n->op == LAB_OP_LIT) {
        write_literal(b, &n->lit);
        return;
    }
    if (n->op == LAB_OP_ARRAY) {
        lab_buf_addc(b, '[');
        for (uint32_t i = 0; i < n->nargs; i++) {
            if (i > 0)
                lab_buf_adds(b, ", ");
            write_node(b, n->args[i], P_TERN, cb);
        }
        lab_buf_addc(b, ']');
        return;
    }
    if (n->op == LAB_OP_VAR) {
        write_var(b, n, cb);
        return;
    }
    int scalar = (n->flags & LAB_NODE_SCALAR_ARG) != 0;
    if (prec == 0 || (scalar && prec != P_NOT) ||
        (n->op == LAB_OP_NOTNOT && !scalar)) {
        /* scalar forms other than !x and !!x print as calls, which read
         * back as the equivalent array form */
        write_call(b, n, cb);
        return;
    }
    int paren = prec < minprec;
    if (paren)
        lab_buf_addc(b, '(');
    if (n->op == LAB_OP_TERN) {
        write_node(b, n->args[0], P_OR, cb);
        lab_buf_adds(b, " ? ");
        write_node(b, n->args[1], P_TERN, cb);
        lab_buf_adds(b, " : ");
        write_node(b, n->args[2], P_TERN, cb);
    } else if (prec == P_NOT) {
        const lab_node *x = n->args[0];
        if (n->op == LAB_OP_NOT && !scalar && x->op == LAB_OP_IN &&
            x->nargs == 2 && !(x->flags & LAB_NODE_SCALAR_ARG)) {
            /* x not in y */
            write_node(b, x->args[0], P_SUM, cb);
            lab_buf_adds(b, " not in ");
            write_node(b, x->args[1], P_SUM, cb);
        } else {
            lab_buf_adds(b, n->op == LAB_OP_NOTNOT ? "!!"
                            : scalar               ? "!"
                                                   : "not ");
            /* `! !x` is two negations; `!!x` would read as one "!!",
             * and `!!!x` as "!!" then "!" */
            if (n->op != LAB_OP_NOTNOT && scalar &&
                (x->op == LAB_OP_NOT || x->op == LAB_OP_NOTNOT) &&
                (x->flags & LAB_NODE_SCALAR_ARG))
                lab_buf_addc(b, ' ');
            write_node(b, x, P_NOT, cb);
        }
    } else if (prec == P_UNARY) {
        lab_buf_addc(b, n->op == LAB_OP_SUB ? '-' : '+');
        /* keep -(3) distinct from the literal -3 */
        int lit = n->args[0]->op == LAB_OP_LIT;
        if (lit)
            lab_buf_addc(b, '(');
        write_node(b, n->args[0], lit ? P_TERN : P_UNARY, cb);
        if (lit)
            lab_buf_addc(b, ')');
    } else {
        const char *sym = infix_symbol(n->op);
        for (uint32_t i = 0; i < n->nargs; i++) {
            if (i > 0) {
                if (sym != NULL)
                    lab_buf_adds(b, sym);
                else
                    lab_buf_printf(b, " %s ", lab_op_name((lab_op)n->op));
            }
            /* left-associative: the right operand binds tighter, and the
             * sub-terms of a chain are strictly tighter */
            int sub = prec + (i > 0 || prec == P_CMP);
            if ((prec == P_OR || prec == P_AND) ||
                ((n->op == LAB_OP_ADD || n->op == LAB_OP_MUL) && i == 0))
                sub = prec + 1;
            write_node(b, n->args[i], sub, cb);
        }
    }
    if (paren)
        lab_buf_addc(b, ')');
}

void lab_cond_write(lab_buf *b, const lab_node *n)
{
    write_node(b, n, P_TERN, 0);
}
