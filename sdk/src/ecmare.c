/*  ecmare: ECMA-262 regular expressions (a subset, on code points) compiled to a small program
    and run as a Thompson NFA simulation. See ecmare.h for what is supported and why.

    The compiler is a recursive-descent parser that writes instructions as it goes. A quantified
    atom is parsed once without writing (to find where it ends and read its quantifier), then
    written once per copy the quantifier needs: x{2,4} is x x (x (x)?)?, x* is a loop. The
    program length limit bounds that expansion. The matcher keeps one list of threads (program
    counters) per text position, each counter at most once, so a step costs at most the program
    length whatever the pattern. */
#include "ecmare.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ERR    SIZE_MAX           //  parse position meaning "failed, reason written"
#define S_NONE   UINT32_MAX
#define S_INF    UINT32_MAX         //  no upper bound on repetitions
#define S_MAX_CP 0x10FFFF
//  Terms parsed while compiling, copies included: bounds the work on patterns whose copies
//  write nothing, such as ((){1000}){1000}
#define S_MAX_PARSE_STEPS 100000

typedef enum {
    S_CHAR,         //  x: code point
    S_CLASS,        //  x: first range, y: number of ranges (sorted, disjoint)
    S_SPLIT,        //  go on at x and at y
    S_JMP,          //  go on at x
    S_BOL,          //  ^: at the start of the text
    S_EOL,          //  $: at the end of the text
    S_WORDB,        //  \b
    S_NWORDB,       //  \B
    S_MATCH
} s_op_t;

typedef struct {
    uint32_t op;
    uint32_t x;
    uint32_t y;
} s_inst_t;

typedef struct {
    uint32_t lo;
    uint32_t hi;
} s_range_t;

struct _accord_ecmare_t {
    s_inst_t *prog;
    size_t prog_len;
    s_range_t *ranges;
    size_t ranges_len;
};

//  The sets behind the class escapes, as ECMA-262 defines them without the i flag
static const s_range_t s_digit [] = { { '0', '9' } };
static const s_range_t s_word [] = { { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' } };
//  WhiteSpace (TAB VT FF SP NBSP ZWNBSP and category Zs) and LineTerminator (LF CR LS PS)
static const s_range_t s_space [] = {
    { 0x09, 0x0D }, { 0x20, 0x20 }, { 0xA0, 0xA0 }, { 0x1680, 0x1680 }, { 0x2000, 0x200A },
    { 0x2028, 0x2029 }, { 0x202F, 0x202F }, { 0x205F, 0x205F }, { 0x3000, 0x3000 },
    { 0xFEFF, 0xFEFF }
};
//  What `.` does not match
static const s_range_t s_line [] = { { 0x0A, 0x0A }, { 0x0D, 0x0D }, { 0x2028, 0x2029 } };

#define S_COUNT(a) (sizeof (a) / sizeof ((a) [0]))


//  --------------------------------------------------------------------------
//  UTF-8

//  Decodes the sequence at p (RFC 3629: shortest form, no surrogates, at most U+10FFFF).
//  Returns its length, or 0 when the bytes are not one.
static size_t
s_utf8_decode (const unsigned char *p, size_t avail, uint32_t *cp)
{
    if (avail == 0)
        return 0;
    unsigned char c = p [0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t value;
    unsigned char low = 0x80, high = 0xBF;      //  range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        value = c & 0x1F;
    }
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        value = c & 0x0F;
        if (c == 0xE0)
            low = 0xA0;
        if (c == 0xED)
            high = 0x9F;
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        value = c & 0x07;
        if (c == 0xF0)
            low = 0x90;
        if (c == 0xF4)
            high = 0x8F;
    }
    else
        return 0;
    if (avail < len || p [1] < low || p [1] > high)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (p [i] < 0x80 || p [i] > 0xBF)
            return 0;
        value = value << 6 | (p [i] & 0x3F);
    }
    *cp = value;
    return len;
}


//  --------------------------------------------------------------------------
//  Code point sets

typedef struct {
    s_range_t *r;
    size_t n;
    size_t size;
    int failed;
} s_set_t;

static void
s_set_add (s_set_t *set, uint32_t lo, uint32_t hi)
{
    if (set->failed)
        return;
    if (set->n == set->size) {
        size_t size = set->size ? set->size * 2 : 8;
        s_range_t *r = realloc (set->r, size * sizeof *r);
        if (!r) {
            set->failed = 1;
            return;
        }
        set->r = r;
        set->size = size;
    }
    set->r [set->n].lo = lo;
    set->r [set->n].hi = hi;
    set->n++;
}

static int
s_range_compare (const void *a, const void *b)
{
    const s_range_t *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : 0;
}

//  Sorts and merges overlapping or adjacent ranges.
static void
s_set_normalize (s_set_t *set)
{
    if (set->n < 2)
        return;
    qsort (set->r, set->n, sizeof set->r [0], s_range_compare);
    size_t out = 0;
    for (size_t i = 1; i < set->n; i++) {
        if (set->r [i].lo <= set->r [out].hi + 1) {
            if (set->r [i].hi > set->r [out].hi)
                set->r [out].hi = set->r [i].hi;
        }
        else
            set->r [++out] = set->r [i];
    }
    set->n = out + 1;
}

//  Replaces a normalized set by its complement in [0, U+10FFFF].
static void
s_set_complement (s_set_t *set)
{
    s_set_t out = { 0 };
    uint32_t next = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (set->r [i].lo > next)
            s_set_add (&out, next, set->r [i].lo - 1);
        next = set->r [i].hi + 1;
    }
    if (next <= S_MAX_CP)
        s_set_add (&out, next, S_MAX_CP);
    out.failed |= set->failed;
    free (set->r);
    *set = out;
}

//  Adds a constant set, or its complement.
static void
s_set_add_ranges (s_set_t *set, const s_range_t *ranges, size_t count, int negate)
{
    if (!negate) {
        for (size_t i = 0; i < count; i++)
            s_set_add (set, ranges [i].lo, ranges [i].hi);
        return;
    }
    s_set_t tmp = { 0 };
    for (size_t i = 0; i < count; i++)
        s_set_add (&tmp, ranges [i].lo, ranges [i].hi);
    s_set_normalize (&tmp);
    s_set_complement (&tmp);
    for (size_t i = 0; i < tmp.n; i++)
        s_set_add (set, tmp.r [i].lo, tmp.r [i].hi);
    set->failed |= tmp.failed;
    free (tmp.r);
}


//  --------------------------------------------------------------------------
//  Compiler

typedef struct {
    size_t pos;             //  where the class is in the source
    uint32_t first;
    uint32_t count;
} s_cached_t;

typedef struct {
    const unsigned char *src;
    size_t len;
    int emit;               //  0: check syntax and find the end only
    int depth;              //  groups open
    s_inst_t *prog;         //  room for ACCORD_ECMARE_MAX_PROGRAM + 1 (the final MATCH)
    size_t prog_len;
    s_range_t *ranges;
    size_t ranges_len;
    size_t ranges_size;
    s_cached_t *cache;      //  one range list per class in the source, shared by its copies
    size_t cache_len;
    size_t cache_size;
    size_t steps;           //  terms and atoms parsed so far
    char *err;
    size_t err_size;
    int failed;
} s_parser_t;

static size_t s_fail (s_parser_t *p, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static size_t
s_fail (s_parser_t *p, const char *format, ...)
{
    if (!p->failed && p->err && p->err_size) {
        va_list args;
        va_start (args, format);
        vsnprintf (p->err, p->err_size, format, args);
        va_end (args);
    }
    p->failed = 1;
    return S_ERR;
}

static size_t
s_out_of_memory (s_parser_t *p)
{
    return s_fail (p, "out of memory");
}

//  Writes one instruction (nothing in a dry pass). Returns its index, or S_NONE when the
//  program is full (the parser has then failed).
static uint32_t
s_emit (s_parser_t *p, s_op_t op, uint32_t x, uint32_t y)
{
    if (!p->emit || p->failed)
        return S_NONE;
    if (p->prog_len >= ACCORD_ECMARE_MAX_PROGRAM) {
        s_fail (p, "pattern too complex: more than %d steps once repetitions are expanded",
                ACCORD_ECMARE_MAX_PROGRAM);
        return S_NONE;
    }
    p->prog [p->prog_len].op = op;
    p->prog [p->prog_len].x = x;
    p->prog [p->prog_len].y = y;
    return (uint32_t) p->prog_len++;
}

//  Writes a class instruction for the set found at source position pos (set is normalized).
static void
s_emit_class (s_parser_t *p, size_t pos, s_set_t *set)
{
    if (!p->emit || p->failed)
        return;
    for (size_t i = 0; i < p->cache_len; i++)
        if (p->cache [i].pos == pos) {
            s_emit (p, S_CLASS, p->cache [i].first, p->cache [i].count);
            return;
        }
    if (set->failed) {
        s_out_of_memory (p);
        return;
    }
    if (p->cache_len == p->cache_size) {
        size_t size = p->cache_size ? p->cache_size * 2 : 8;
        s_cached_t *cache = realloc (p->cache, size * sizeof *cache);
        if (!cache) {
            s_out_of_memory (p);
            return;
        }
        p->cache = cache;
        p->cache_size = size;
    }
    if (p->ranges_len + set->n > p->ranges_size) {
        size_t size = p->ranges_size ? p->ranges_size : 16;
        while (size < p->ranges_len + set->n)
            size *= 2;
        s_range_t *ranges = realloc (p->ranges, size * sizeof *ranges);
        if (!ranges) {
            s_out_of_memory (p);
            return;
        }
        p->ranges = ranges;
        p->ranges_size = size;
    }
    if (set->n)
        memcpy (p->ranges + p->ranges_len, set->r, set->n * sizeof set->r [0]);
    s_cached_t *entry = &p->cache [p->cache_len++];
    entry->pos = pos;
    entry->first = (uint32_t) p->ranges_len;
    entry->count = (uint32_t) set->n;
    p->ranges_len += set->n;
    s_emit (p, S_CLASS, entry->first, entry->count);
}

//  A class escape or a single code point, inside or outside brackets
typedef struct {
    int is_set;
    uint32_t cp;
    const s_range_t *set;
    size_t set_len;
    int negate;
} s_atom_t;

static int
s_hex (unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

//  Reads `count` hex digits at pos into *value. Returns 0, or -1 when they are not there.
static int
s_hex_digits (s_parser_t *p, size_t pos, int count, uint32_t *value)
{
    if (pos + (size_t) count > p->len)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < count; i++) {
        int d = s_hex (p->src [pos + (size_t) i]);
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t) d;
    }
    *value = v;
    return 0;
}

//  \u escape, pos at the 'u'. Returns the position after it.
static size_t
s_unicode_escape (s_parser_t *p, size_t pos, uint32_t *cp)
{
    pos++;
    if (pos < p->len && p->src [pos] == '{') {
        uint32_t v = 0;
        size_t digits = 0;
        for (pos++; pos < p->len && p->src [pos] != '}'; pos++, digits++) {
            int d = s_hex (p->src [pos]);
            if (d < 0)
                return s_fail (p, "invalid \\u{...} escape");
            v = v << 4 | (uint32_t) d;
            if (v > S_MAX_CP)
                return s_fail (p, "\\u{...} escape above U+10FFFF");
        }
        if (pos >= p->len || digits == 0)
            return s_fail (p, "invalid \\u{...} escape");
        *cp = v;
        return pos + 1;
    }
    uint32_t v;
    if (s_hex_digits (p, pos, 4, &v))
        return s_fail (p, "\\u needs four hex digits");
    pos += 4;
    //  A surrogate pair written as two escapes is one code point
    uint32_t low;
    if (v >= 0xD800 && v <= 0xDBFF && pos + 6 <= p->len
    &&  p->src [pos] == '\\' && p->src [pos + 1] == 'u'
    &&  s_hex_digits (p, pos + 2, 4, &low) == 0 && low >= 0xDC00 && low <= 0xDFFF) {
        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00);
        pos += 6;
    }
    *cp = v;
    return pos;
}

//  Escape after a backslash, pos at the character after it.
static size_t
s_escape (s_parser_t *p, size_t pos, int in_class, s_atom_t *atom)
{
    memset (atom, 0, sizeof *atom);
    if (pos >= p->len)
        return s_fail (p, "\\ at the end of the pattern");
    unsigned char c = p->src [pos];
    switch (c) {
        case 'd': case 'D':
            atom->is_set = 1;
            atom->set = s_digit;
            atom->set_len = S_COUNT (s_digit);
            atom->negate = c == 'D';
            return pos + 1;
        case 'w': case 'W':
            atom->is_set = 1;
            atom->set = s_word;
            atom->set_len = S_COUNT (s_word);
            atom->negate = c == 'W';
            return pos + 1;
        case 's': case 'S':
            atom->is_set = 1;
            atom->set = s_space;
            atom->set_len = S_COUNT (s_space);
            atom->negate = c == 'S';
            return pos + 1;
        case 't': atom->cp = 0x09; return pos + 1;
        case 'n': atom->cp = 0x0A; return pos + 1;
        case 'v': atom->cp = 0x0B; return pos + 1;
        case 'f': atom->cp = 0x0C; return pos + 1;
        case 'r': atom->cp = 0x0D; return pos + 1;
        case 'b':
            if (!in_class)
                return s_fail (p, "\\b cannot be repeated");
            atom->cp = 0x08;            //  backspace inside a class
            return pos + 1;
        case '-':
            if (!in_class)
                return s_fail (p, "invalid escape \\- outside a character class");
            atom->cp = '-';
            return pos + 1;
        case '0':
            if (pos + 1 < p->len && p->src [pos + 1] >= '0' && p->src [pos + 1] <= '9')
                return s_fail (p, "octal escapes are not supported");
            atom->cp = 0;
            return pos + 1;
        case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
            return s_fail (p, "backreferences are not supported");
        case 'k':
            return s_fail (p, "named backreferences are not supported");
        case 'p': case 'P':
            return s_fail (p, "Unicode property escapes (\\p{...}) are not supported");
        case 'B':
            return s_fail (p, in_class? "invalid escape \\B in a character class"
                                      : "\\B cannot be repeated");
        case 'c':
            if (pos + 1 < p->len && ((p->src [pos + 1] >= 'a' && p->src [pos + 1] <= 'z')
                                 ||  (p->src [pos + 1] >= 'A' && p->src [pos + 1] <= 'Z'))) {
                atom->cp = p->src [pos + 1] % 32;
                return pos + 2;
            }
            return s_fail (p, "\\c must be followed by a letter");
        case 'x': {
            uint32_t v;
            if (s_hex_digits (p, pos + 1, 2, &v))
                return s_fail (p, "\\x needs two hex digits");
            atom->cp = v;
            return pos + 3;
        }
        case 'u':
            return s_unicode_escape (p, pos, &atom->cp);
        default:
            if (c < 0x80 && strchr ("^$\\.*+?()[]{}|/", c)) {
                atom->cp = c;
                return pos + 1;
            }
            if (c >= 0x21 && c < 0x7F)
                return s_fail (p, "invalid escape \\%c", c);
            return s_fail (p, "invalid escape at offset %zu", pos - 1);
    }
}

//  One member of a bracketed class, pos at it.
static size_t
s_class_atom (s_parser_t *p, size_t pos, s_atom_t *atom)
{
    if (p->src [pos] == '\\')
        return s_escape (p, pos + 1, 1, atom);
    memset (atom, 0, sizeof *atom);
    size_t n = s_utf8_decode (p->src + pos, p->len - pos, &atom->cp);
    return n ? pos + n : s_fail (p, "pattern is not UTF-8");
}

static void
s_set_add_atom (s_set_t *set, const s_atom_t *atom)
{
    if (atom->is_set)
        s_set_add_ranges (set, atom->set, atom->set_len, atom->negate);
    else
        s_set_add (set, atom->cp, atom->cp);
}

//  [...], pos at the '['.
static size_t
s_class (s_parser_t *p, size_t pos)
{
    size_t start = pos++;
    s_set_t set = { 0 };
    int negate = 0;
    if (pos < p->len && p->src [pos] == '^') {
        negate = 1;
        pos++;
    }
    while (1) {
        if (pos >= p->len) {
            free (set.r);
            return s_fail (p, "missing ']' for the character class at offset %zu", start);
        }
        if (p->src [pos] == ']') {
            pos++;
            break;
        }
        s_atom_t a, b;
        pos = s_class_atom (p, pos, &a);
        if (pos == S_ERR)
            break;
        if (pos + 1 < p->len && p->src [pos] == '-' && p->src [pos + 1] != ']') {
            pos = s_class_atom (p, pos + 1, &b);
            if (pos == S_ERR)
                break;
            if (a.is_set || b.is_set) {
                pos = s_fail (p, "a class escape cannot bound a range");
                break;
            }
            if (a.cp > b.cp) {
                pos = s_fail (p, "range out of order in character class");
                break;
            }
            s_set_add (&set, a.cp, b.cp);
        }
        else
            s_set_add_atom (&set, &a);
    }
    if (pos != S_ERR && p->emit) {
        s_set_normalize (&set);
        if (negate)
            s_set_complement (&set);
        s_emit_class (p, start, &set);
    }
    free (set.r);
    return p->failed? S_ERR: pos;
}

static size_t s_disjunction (s_parser_t *p, size_t pos);

//  One atom, pos at it: a literal, `.`, an escape, a class or a group.
static size_t
s_atom (s_parser_t *p, size_t pos)
{
    if (++p->steps > S_MAX_PARSE_STEPS)
        return s_fail (p, "pattern too complex to compile");
    unsigned char c = p->src [pos];
    switch (c) {
        case '(': {
            size_t start = pos++;
            if (pos < p->len && p->src [pos] == '?') {
                unsigned char k = pos + 1 < p->len ? p->src [pos + 1] : 0;
                if (k == ':')
                    pos += 2;
                else
                if (k == '=' || k == '!')
                    return s_fail (p, "lookahead (?%c ...) is not supported", k);
                else
                if (k == '<') {
                    unsigned char l = pos + 2 < p->len ? p->src [pos + 2] : 0;
                    if (l == '=' || l == '!')
                        return s_fail (p, "lookbehind (?<%c ...) is not supported", l);
                    //  (?<name> ...): a plain group here, the name is not used
                    size_t name = pos + 2, end = name;
                    while (end < p->len
                       && ((p->src [end] >= 'a' && p->src [end] <= 'z')
                       ||  (p->src [end] >= 'A' && p->src [end] <= 'Z')
                       ||  (p->src [end] >= '0' && p->src [end] <= '9' && end > name)
                       ||   p->src [end] == '_' || p->src [end] == '$'))
                        end++;
                    if (end == name || end >= p->len || p->src [end] != '>')
                        return s_fail (p, "invalid group name at offset %zu", start);
                    pos = end + 1;
                }
                else
                    return s_fail (p, "invalid group (? at offset %zu", start);
            }
            if (++p->depth > ACCORD_ECMARE_MAX_GROUPS)
                return s_fail (p, "groups nested deeper than %d", ACCORD_ECMARE_MAX_GROUPS);
            size_t end = s_disjunction (p, pos);
            p->depth--;
            if (end == S_ERR)
                return S_ERR;
            if (end >= p->len || p->src [end] != ')')
                return s_fail (p, "missing ')' for the group at offset %zu", start);
            return end + 1;
        }
        case '[':
            return s_class (p, pos);
        case '.': {
            if (p->emit) {
                s_set_t set = { 0 };
                s_set_add_ranges (&set, s_line, S_COUNT (s_line), 1);
                s_emit_class (p, pos, &set);
                free (set.r);
            }
            return p->failed? S_ERR: pos + 1;
        }
        case '\\': {
            s_atom_t atom;
            size_t end = s_escape (p, pos + 1, 0, &atom);
            if (end == S_ERR)
                return S_ERR;
            if (atom.is_set) {
                if (p->emit) {
                    s_set_t set = { 0 };
                    s_set_add_atom (&set, &atom);
                    s_set_normalize (&set);
                    s_emit_class (p, pos, &set);
                    free (set.r);
                }
            }
            else
                s_emit (p, S_CHAR, atom.cp, 0);
            return p->failed? S_ERR: end;
        }
        case '*': case '+': case '?':
            return s_fail (p, "nothing to repeat at offset %zu", pos);
        case '{':
            return s_fail (p, "lone '{' at offset %zu (write \\{ for a brace)", pos);
        case '}': case ']':
            return s_fail (p, "lone '%c' at offset %zu (write \\%c)", c, pos, c);
        default: {
            uint32_t cp;
            size_t n = s_utf8_decode (p->src + pos, p->len - pos, &cp);
            if (!n)
                return s_fail (p, "pattern is not UTF-8");
            s_emit (p, S_CHAR, cp, 0);
            return p->failed? S_ERR: pos + n;
        }
    }
}

//  Reads a decimal repetition count. Returns the position after it, or S_ERR (failed) when it
//  is larger than the limit; *digits tells how many digits were read.
static size_t
s_count (s_parser_t *p, size_t pos, uint32_t *value, size_t *digits)
{
    uint32_t v = 0;
    size_t n = 0;
    while (pos < p->len && p->src [pos] >= '0' && p->src [pos] <= '9') {
        v = v * 10 + (uint32_t) (p->src [pos] - '0');
        if (v > ACCORD_ECMARE_MAX_REPEAT)
            return s_fail (p, "repetition count above %d", ACCORD_ECMARE_MAX_REPEAT);
        pos++;
        n++;
    }
    *value = v;
    *digits = n;
    return pos;
}

//  Quantifier at pos, if any. Returns the position after it (pos itself when there is none,
//  with *min = *max = 1), or S_ERR.
static size_t
s_quantifier (s_parser_t *p, size_t pos, uint32_t *min, uint32_t *max)
{
    *min = *max = 1;
    if (pos >= p->len)
        return pos;
    unsigned char c = p->src [pos];
    if (c == '*' || c == '+' || c == '?') {
        *min = c == '+' ? 1 : 0;
        *max = c == '?' ? 1 : S_INF;
        return pos + 1;
    }
    if (c != '{')
        return pos;
    size_t start = pos, digits;
    pos = s_count (p, pos + 1, min, &digits);
    if (pos == S_ERR)
        return S_ERR;
    if (digits == 0 || pos >= p->len)
        return s_fail (p, "lone '{' at offset %zu (write \\{ for a brace)", start);
    if (p->src [pos] == '}')
        *max = *min;
    else
    if (p->src [pos] == ',') {
        pos = s_count (p, pos + 1, max, &digits);
        if (pos == S_ERR)
            return S_ERR;
        if (digits == 0)
            *max = S_INF;
        if (pos >= p->len || p->src [pos] != '}')
            return s_fail (p, "lone '{' at offset %zu (write \\{ for a brace)", start);
        if (*max < *min)
            return s_fail (p, "numbers out of order in {} quantifier");
    }
    else
        return s_fail (p, "lone '{' at offset %zu (write \\{ for a brace)", start);
    return pos + 1;
}

static int
s_is_quantifier_start (s_parser_t *p, size_t pos)
{
    return pos < p->len && strchr ("*+?{", p->src [pos]) != NULL && p->src [pos] != 0;
}

//  An assertion, or an atom and its quantifier.
static size_t
s_term (s_parser_t *p, size_t pos)
{
    unsigned char c = p->src [pos];
    if (c == '^' || c == '$'
    || (c == '\\' && pos + 1 < p->len && (p->src [pos + 1] == 'b' || p->src [pos + 1] == 'B'))) {
        s_op_t op = c == '^' ? S_BOL : c == '$' ? S_EOL
                  : p->src [pos + 1] == 'b' ? S_WORDB : S_NWORDB;
        size_t end = pos + (c == '\\' ? 2 : 1);
        if (s_is_quantifier_start (p, end))
            return s_fail (p, "nothing to repeat at offset %zu", end);
        s_emit (p, op, 0, 0);
        return p->failed? S_ERR: end;
    }
    //  Find where the atom ends without writing it, then read its quantifier
    int emit = p->emit;
    p->emit = 0;
    size_t atom_end = s_atom (p, pos);
    p->emit = emit;
    if (atom_end == S_ERR)
        return S_ERR;
    uint32_t min, max;
    size_t end = s_quantifier (p, atom_end, &min, &max);
    if (end == S_ERR)
        return S_ERR;
    if (end > atom_end && end < p->len && p->src [end] == '?')
        end++;                          //  lazy: matches the same strings
    if (end > atom_end && s_is_quantifier_start (p, end))
        return s_fail (p, "nothing to repeat at offset %zu", end);
    if (!p->emit)
        return end;

    for (uint32_t i = 0; i < min && !p->failed; i++)
        s_atom (p, pos);
    if (max == S_INF) {
        //  L: SPLIT L+1, out; atom; JMP L; out:
        uint32_t split = s_emit (p, S_SPLIT, (uint32_t) p->prog_len + 1, 0);
        if (split == S_NONE)
            return S_ERR;
        s_atom (p, pos);
        s_emit (p, S_JMP, split, 0);
        if (p->failed)
            return S_ERR;
        p->prog [split].y = (uint32_t) p->prog_len;
    }
    else
    if (max > min) {
        //  Each optional copy may be skipped to the end: SPLIT next, out; atom; ...; out:
        //  The pending SPLITs are chained through their y until the end is known.
        uint32_t pending = S_NONE;
        for (uint32_t i = min; i < max && !p->failed; i++) {
            uint32_t split = s_emit (p, S_SPLIT, (uint32_t) p->prog_len + 1, pending);
            if (split == S_NONE)
                break;
            pending = split;
            s_atom (p, pos);
        }
        if (p->failed)
            return S_ERR;
        while (pending != S_NONE) {
            uint32_t next = p->prog [pending].y;
            p->prog [pending].y = (uint32_t) p->prog_len;
            pending = next;
        }
    }
    return p->failed? S_ERR: end;
}

static size_t
s_alternative (s_parser_t *p, size_t pos)
{
    while (pos < p->len && p->src [pos] != '|' && p->src [pos] != ')') {
        pos = s_term (p, pos);
        if (pos == S_ERR)
            return S_ERR;
    }
    return pos;
}

//  Alternatives a|b|c: SPLIT La, Nb; La: a; JMP out; Nb: SPLIT Lb, Nc; Lb: b; JMP out; Nc: c; out:
static size_t
s_disjunction (s_parser_t *p, size_t pos)
{
    uint32_t pending = S_NONE;          //  the JMPs to `out`, chained through their x
    while (1) {
        int emit = p->emit;
        p->emit = 0;
        size_t end = s_alternative (p, pos);
        p->emit = emit;
        if (end == S_ERR)
            return S_ERR;
        int last = end >= p->len || p->src [end] != '|';
        if (p->emit) {
            uint32_t split = S_NONE;
            if (!last && (split = s_emit (p, S_SPLIT, (uint32_t) p->prog_len + 1, 0)) == S_NONE)
                return S_ERR;
            if (s_alternative (p, pos) == S_ERR)
                return S_ERR;
            if (!last) {
                uint32_t jmp = s_emit (p, S_JMP, pending, 0);
                if (jmp == S_NONE)
                    return S_ERR;
                pending = jmp;
                p->prog [split].y = (uint32_t) p->prog_len;
            }
        }
        if (last) {
            while (pending != S_NONE) {
                uint32_t next = p->prog [pending].x;
                p->prog [pending].x = (uint32_t) p->prog_len;
                pending = next;
            }
            return end;
        }
        pos = end + 1;
    }
}

accord_ecmare_t *
accord_ecmare_new (const char *pattern, size_t len, char *err, size_t err_size)
{
    s_parser_t parser = { 0 };
    s_parser_t *p = &parser;
    p->src = (const unsigned char *) pattern;
    p->len = len;
    p->emit = 1;
    p->err = err;
    p->err_size = err_size;
    if (err && err_size)
        err [0] = 0;
    if (!pattern && len) {
        s_fail (p, "no pattern");
        return NULL;
    }
    if (len > ACCORD_ECMARE_MAX_SOURCE) {
        s_fail (p, "pattern longer than %d bytes", ACCORD_ECMARE_MAX_SOURCE);
        return NULL;
    }
    for (size_t i = 0; i < len; ) {
        uint32_t cp;
        size_t n = s_utf8_decode (p->src + i, len - i, &cp);
        if (!n) {
            s_fail (p, "pattern is not UTF-8");
            return NULL;
        }
        i += n;
    }
    accord_ecmare_t *self = calloc (1, sizeof *self);
    p->prog = malloc ((ACCORD_ECMARE_MAX_PROGRAM + 1) * sizeof p->prog [0]);
    if (!self || !p->prog) {
        s_out_of_memory (p);
        goto failed;
    }
    size_t end = s_disjunction (p, 0);
    if (end == S_ERR)
        goto failed;
    if (end < len) {
        s_fail (p, "unmatched ')' at offset %zu", end);
        goto failed;
    }
    //  Room for MATCH is reserved beyond the limit
    p->prog [p->prog_len].op = S_MATCH;
    p->prog [p->prog_len].x = p->prog [p->prog_len].y = 0;
    p->prog_len++;
    self->prog = realloc (p->prog, p->prog_len * sizeof p->prog [0]);
    if (!self->prog)
        self->prog = p->prog;
    self->prog_len = p->prog_len;
    self->ranges = p->ranges;
    self->ranges_len = p->ranges_len;
    free (p->cache);
    return self;

failed:
    free (p->prog);
    free (p->ranges);
    free (p->cache);
    free (self);
    return NULL;
}

void
accord_ecmare_destroy (accord_ecmare_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    accord_ecmare_t *self = *self_p;
    free (self->prog);
    free (self->ranges);
    free (self);
    *self_p = NULL;
}

size_t
accord_ecmare_size (const accord_ecmare_t *self)
{
    return self ? self->prog_len : 0;
}


//  --------------------------------------------------------------------------
//  Matcher

typedef struct {
    const accord_ecmare_t *re;
    uint32_t *mark;         //  mark [pc] == gen: pc is in the list being built
    uint32_t gen;
    uint32_t *stack;        //  2 x program length + 1 entries
} s_matcher_t;

typedef struct {
    uint32_t *pc;
    size_t n;
} s_list_t;

static int
s_is_word (int32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')
        ||  cp == '_';
}

static int
s_in_class (const accord_ecmare_t *re, const s_inst_t *in, uint32_t cp)
{
    if (in->y == 0)
        return 0;                       //  [] matches nothing (and has no ranges)
    const s_range_t *r = re->ranges + in->x;
    size_t lo = 0, hi = in->y;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r [mid].lo)
            hi = mid;
        else
        if (cp > r [mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

//  Adds the thread at pc and everything it reaches without reading a character, at a position
//  between prev and next (-1 at the start or end of the text). Returns 1 when MATCH is reached.
static int
s_add (s_matcher_t *m, s_list_t *list, uint32_t pc, int32_t prev, int32_t next)
{
    size_t top = 0;
    m->stack [top++] = pc;
    while (top) {
        pc = m->stack [--top];
        if (m->mark [pc] == m->gen)
            continue;
        m->mark [pc] = m->gen;
        const s_inst_t *in = &m->re->prog [pc];
        switch (in->op) {
            case S_JMP:
                m->stack [top++] = in->x;
                break;
            case S_SPLIT:
                m->stack [top++] = in->y;
                m->stack [top++] = in->x;
                break;
            case S_BOL:
                if (prev < 0)
                    m->stack [top++] = pc + 1;
                break;
            case S_EOL:
                if (next < 0)
                    m->stack [top++] = pc + 1;
                break;
            case S_WORDB:
            case S_NWORDB:
                if ((s_is_word (prev) != s_is_word (next)) == (in->op == S_WORDB))
                    m->stack [top++] = pc + 1;
                break;
            case S_MATCH:
                return 1;
            default:
                list->pc [list->n++] = pc;
        }
    }
    return 0;
}

static void
s_next_gen (s_matcher_t *m)
{
    if (++m->gen == 0) {
        memset (m->mark, 0, m->re->prog_len * sizeof m->mark [0]);
        m->gen = 1;
    }
}

//  Code point at text [pos], its length in *n; invalid bytes read as U+FFFD one at a time.
static int32_t
s_text_char (const unsigned char *text, size_t len, size_t pos, size_t *n)
{
    uint32_t cp;
    *n = s_utf8_decode (text + pos, len - pos, &cp);
    if (!*n) {
        *n = 1;
        cp = 0xFFFD;
    }
    return (int32_t) cp;
}

int
accord_ecmare_search (const accord_ecmare_t *self, const char *text, size_t len)
{
    if (!self || (!text && len))
        return -1;
    size_t size = self->prog_len;
    uint32_t *memory = malloc ((5 * size + 1) * sizeof (uint32_t));
    if (!memory)
        return -1;
    s_list_t lists [2] = { { memory, 0 }, { memory + size, 0 } };
    s_matcher_t m = { self, memory + 2 * size, 0, memory + 3 * size };
    memset (m.mark, 0, size * sizeof m.mark [0]);
    const unsigned char *bytes = (const unsigned char *) text;

    s_list_t *current = &lists [0], *next = &lists [1];
    size_t pos = 0, n = 0;
    int32_t prev = -1;
    int32_t c = pos < len ? s_text_char (bytes, len, pos, &n) : -1;
    int matched;
    s_next_gen (&m);
    matched = s_add (&m, current, 0, prev, c);
    while (!matched && pos < len) {
        pos += n;
        int32_t consumed = c;
        prev = c;
        c = pos < len ? s_text_char (bytes, len, pos, &n) : -1;
        s_next_gen (&m);
        next->n = 0;
        for (size_t i = 0; i < current->n && !matched; i++) {
            const s_inst_t *in = &self->prog [current->pc [i]];
            int hit = in->op == S_CHAR ? (uint32_t) consumed == in->x
                                       : s_in_class (self, in, (uint32_t) consumed);
            if (hit)
                matched = s_add (&m, next, current->pc [i] + 1, prev, c);
        }
        //  Not anchored: a match may also begin at this position
        if (!matched)
            matched = s_add (&m, next, 0, prev, c);
        s_list_t *swap = current;
        current = next;
        next = swap;
    }
    free (memory);
    return matched;
}
