/* The exploration's inner loop in C, for situations packed in one 64-bit word.
 *
 * The same breadth-first expansion as Explorer.explore's loop (simulator/analysis/explore.py)
 * for specs without deadlines, with the visited set as a uint64 -> int32 open-addressing map
 * and each table entry's steps copied once into C arrays. Everything rare goes back to Python
 * through the callbacks object (simulator/analysis/native.py): table rows met for the first
 * time, resolutions, access, lessons, invariants, the first use of an entry (transitions
 * fired), ambiguities, deadlocks, progress. tests/simulator/test_native.py checks it gives the
 * Python loop's exploration, number for number.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint64_t kept, partial; long lesson; PyObject *edge; } Step;
typedef struct { Py_ssize_t first, count; int used, ambiguous; PyObject *entry; } Entry;

/* --- a growable buffer ------------------------------------------------------------------- */
typedef struct { char *data; size_t size, cap, item; } Buf;
static int buf_push(Buf *b, const void *item) {
    if (b->size == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1024;
        char *grown = PyMem_Realloc(b->data, cap * b->item);
        if (!grown) { PyErr_NoMemory(); return -1; }
        b->data = grown; b->cap = cap;
    }
    memcpy(b->data + b->size * b->item, item, b->item);
    b->size++;
    return 0;
}

/* --- uint64 -> int32 map (open addressing, linear probing) ------------------------------- */
typedef struct { uint64_t *keys; int32_t *values; size_t mask, count; } Map;  /* 12 bytes a slot */
static inline size_t mix(uint64_t k) { k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33; return (size_t)k; }
static int map_init(Map *m, size_t cap) {
    size_t size = 1024; while (size < 2 * cap) size <<= 1;
    m->keys = PyMem_Calloc(size, sizeof(uint64_t)); m->values = PyMem_Malloc(size * sizeof(int32_t));
    if (!m->keys || !m->values) { PyErr_NoMemory(); return -1; }
    for (size_t i = 0; i < size; i++) m->values[i] = -1;
    m->mask = size - 1; m->count = 0; return 0;
}
static inline int64_t map_get(const Map *m, uint64_t k) {
    size_t i = mix(k) & m->mask;
    while (m->values[i] >= 0) { if (m->keys[i] == k) return m->values[i]; i = (i + 1) & m->mask; }
    return -1;
}
static int map_put(Map *m, uint64_t k, int32_t v);
static int map_grow(Map *m) {
    Map old = *m;
    if (map_init(m, 2 * (old.mask + 1)) < 0) return -1;
    for (size_t i = 0; i <= old.mask; i++) if (old.values[i] >= 0) map_put(m, old.keys[i], old.values[i]);
    PyMem_Free(old.keys); PyMem_Free(old.values); return 0;
}
static int map_put(Map *m, uint64_t k, int32_t v) {
    if (2 * (m->count + 1) > m->mask + 1 && map_grow(m) < 0) return -1;
    size_t i = mix(k) & m->mask;
    while (m->values[i] >= 0) { if (m->keys[i] == k) { m->values[i] = v; return 0; } i = (i + 1) & m->mask; }
    m->keys[i] = k; m->values[i] = v; m->count++; return 0;
}
static void map_free(Map *m) { PyMem_Free(m->keys); PyMem_Free(m->values); }

/* --- helpers --------------------------------------------------------------------------- */
static int as_u64(PyObject *o, uint64_t *out) {
    unsigned long long v = PyLong_AsUnsignedLongLong(o);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    *out = (uint64_t)v; return 0;
}
static PyObject *u64(uint64_t v) { return PyLong_FromUnsignedLongLong((unsigned long long)v); }

/* --- the search ------------------------------------------------------------------------ */
typedef struct {
    Buf entries, steps;          /* Entry, Step */
    Map entry_of;                /* PyObject* -> entry index */
} Tables;

static Py_ssize_t entry_index(Tables *t, PyObject *entry) {
    int64_t known = map_get(&t->entry_of, (uint64_t)(uintptr_t)entry);
    if (known >= 0) return (Py_ssize_t)known;
    PyObject *accepted = PyObject_GetAttrString(entry, "accepted");
    PyObject *ambiguities = accepted ? PyObject_GetAttrString(entry, "ambiguities") : NULL;
    if (!ambiguities) { Py_XDECREF(accepted); return -1; }
    PyObject *seq = PySequence_Fast(accepted, "accepted must be a sequence");
    Py_DECREF(accepted);
    if (!seq) { Py_DECREF(ambiguities); return -1; }
    Entry e = {(Py_ssize_t)t->steps.size, PySequence_Fast_GET_SIZE(seq), 0, PyObject_IsTrue(ambiguities), entry};
    Py_DECREF(ambiguities);
    for (Py_ssize_t i = 0; i < e.count; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        Step s;
        s.edge = PyTuple_GetItem(item, 0);
        if (!s.edge || as_u64(PyTuple_GetItem(item, 1), &s.kept) < 0 || as_u64(PyTuple_GetItem(item, 2), &s.partial) < 0) {
            Py_DECREF(seq); return -1;
        }
        s.lesson = PyLong_AsLong(PyTuple_GetItem(item, 3));
        if (s.lesson == -1 && PyErr_Occurred()) { Py_DECREF(seq); return -1; }
        Py_INCREF(s.edge);
        if (buf_push(&t->steps, &s) < 0) { Py_DECREF(seq); return -1; }
    }
    Py_DECREF(seq);
    Py_INCREF(entry);
    Py_ssize_t index = (Py_ssize_t)t->entries.size;
    if (buf_push(&t->entries, &e) < 0 || map_put(&t->entry_of, (uint64_t)(uintptr_t)entry, index) < 0) return -1;
    return index;
}

/* A dict lookup by an int key built from a word; on a miss, call back (which fills the dict). */
static PyObject *lookup(PyObject *dict, uint64_t row) {
    PyObject *key = u64(row);
    if (!key) return NULL;
    PyObject *found = PyDict_GetItemWithError(dict, key);
    Py_DECREF(key);
    if (found) Py_INCREF(found);
    return found;  /* NULL without an error set: absent */
}

static PyObject *search(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer start;
    PyObject *tables, *online_access, *cb, *beyond;
    unsigned long long state_shift, state_bits, online_mask;
    Py_ssize_t limit;
    int check, every_step, invariants;
    if (!PyArg_ParseTuple(args, "y*OKKKOnpppOO", &start, &tables, &state_shift, &state_bits, &online_mask,
                          &online_access, &limit, &check, &every_step, &invariants, &beyond, &cb))
        return NULL;
    PyObject *result = NULL;
    Buf keys = {0, 0, 0, sizeof(uint64_t)}, parents = {0, 0, 0, sizeof(int32_t)}, via = {0, 0, 0, sizeof(PyObject *)};
    Buf good = {0, 0, 0, 1}, sources = {0, 0, 0, sizeof(int32_t)}, targets = {0, 0, 0, sizeof(int32_t)};
    Tables t = {{0, 0, 0, sizeof(Entry)}, {0, 0, 0, sizeof(Step)}, {0}};
    Map seen = {0};
    long long edges = 0;
    int complete = 1;
    Py_ssize_t starts = start.len / 8;
    if (map_init(&seen, starts + 1024) < 0 || map_init(&t.entry_of, 1024) < 0) goto done;
    for (Py_ssize_t i = 0; i < starts; i++) {
        uint64_t k = ((uint64_t *)start.buf)[i];
        if (buf_push(&keys, &k) < 0 || map_put(&seen, k, i) < 0) goto done;
    }
    Py_ssize_t states = PyList_Size(tables);
    for (Py_ssize_t node = 0; node < (Py_ssize_t)keys.size; node++) {
        uint64_t key = ((uint64_t *)keys.data)[node];
        int changed = 0, keep = every_step;
        if (check) {
            PyObject *access = lookup(online_access, key & online_mask);
            if (!access) {
                if (PyErr_Occurred()) goto done;
                PyObject *k = u64(key);
                access = k ? PyObject_CallMethod(cb, "access", "O", k) : NULL;
                Py_XDECREF(k);
                if (!access) goto done;
            }
            int ok = PyObject_IsTrue(access);
            Py_DECREF(access);
            char g = (char)ok;
            if (buf_push(&good, &g) < 0) goto done;
            keep = keep || !ok;
        }
        Py_ssize_t state = (Py_ssize_t)((key >> state_shift) & state_bits);
        PyObject *row_tables = state < states ? PyList_GET_ITEM(tables, state) : NULL;
        Py_ssize_t events = row_tables ? PyList_GET_SIZE(row_tables) : 0;
        for (Py_ssize_t position = 0; position < events; position++) {
            PyObject *spec = PyList_GET_ITEM(row_tables, position);
            uint64_t resolve, decide;
            if (as_u64(PyTuple_GET_ITEM(spec, 0), &resolve) < 0 || as_u64(PyTuple_GET_ITEM(spec, 1), &decide) < 0) goto done;
            PyObject *table = PyTuple_GET_ITEM(spec, 2), *resolved = PyTuple_GET_ITEM(spec, 3), *event = PyTuple_GET_ITEM(spec, 4);
            uint64_t row = key & decide;
            PyObject *row_key;
            if (resolve) {
                PyObject *number = lookup(resolved, key & resolve);
                if (!number) {
                    if (PyErr_Occurred()) goto done;
                    PyObject *k = u64(key);
                    number = k ? PyObject_CallMethod(cb, "resolution", "OO", event, k) : NULL;
                    Py_XDECREF(k);
                    if (!number) goto done;
                }
                PyObject *r = u64(row);
                PyObject *shifted = r ? PyNumber_Lshift(number, beyond) : NULL;
                Py_DECREF(number);
                row_key = shifted ? PyNumber_Or(r, shifted) : NULL;
                Py_XDECREF(r); Py_XDECREF(shifted);
            } else {
                row_key = u64(row);
            }
            if (!row_key) goto done;
            PyObject *entry = PyDict_GetItemWithError(table, row_key);
            if (entry) Py_INCREF(entry);
            else if (PyErr_Occurred()) { Py_DECREF(row_key); goto done; }
            else {
                PyObject *k = u64(key);
                entry = k ? PyObject_CallMethod(cb, "outcome", "OOO", event, k, row_key) : NULL;
                Py_XDECREF(k);
            }
            Py_DECREF(row_key);
            if (!entry) goto done;
            Py_ssize_t index = entry_index(&t, entry);
            Py_DECREF(entry);
            if (index < 0) goto done;
            Entry *e = &((Entry *)t.entries.data)[index];
            PyObject *n = NULL;
            if (!e->used || (check && e->ambiguous)) n = PyLong_FromSsize_t(node);
            if (!e->used) {
                e->used = 1;
                PyObject *r = n ? PyObject_CallMethod(cb, "fired", "OO", e->entry, n) : NULL;
                if (!r) { Py_XDECREF(n); goto done; }
                Py_DECREF(r);
            }
            if (check && e->ambiguous) {
                PyObject *r = PyObject_CallMethod(cb, "ambiguous", "OO", e->entry, n);
                if (!r) { Py_XDECREF(n); goto done; }
                Py_DECREF(r);
            }
            Py_XDECREF(n);
            for (Py_ssize_t j = 0; j < e->count; j++) {
                Step *s = &((Step *)t.steps.data)[e->first + j];
                uint64_t following = (key & s->kept) | s->partial;
                if (s->lesson) {
                    PyObject *k = u64(following);
                    PyObject *taught = k ? PyObject_CallMethod(cb, "teach", "Ol", k, s->lesson) : NULL;
                    Py_XDECREF(k);
                    if (!taught) goto done;
                    int bad = as_u64(taught, &following);
                    Py_DECREF(taught);
                    if (bad < 0) goto done;
                }
                int64_t target = map_get(&seen, following);
                if (target < 0) {
                    if ((Py_ssize_t)keys.size >= limit) { changed = 1; complete = 0; continue; }
                    target = (int64_t)keys.size;
                    int32_t parent = (int32_t)node;
                    if (buf_push(&keys, &following) < 0 || map_put(&seen, following, target) < 0 ||
                        buf_push(&parents, &parent) < 0 || buf_push(&via, &s->edge) < 0) goto done;
                    if (invariants) {
                        PyObject *k = u64(following);
                        PyObject *r = k ? PyObject_CallMethod(cb, "check_node", "nO", (Py_ssize_t)target, k) : NULL;
                        Py_XDECREF(k);
                        if (!r) goto done;
                        Py_DECREF(r);
                    }
                }
                edges++;
                if (following != key && target != node) {
                    changed = 1;
                    if (keep) {
                        int32_t src = (int32_t)node, dst = (int32_t)target;
                        if (buf_push(&sources, &src) < 0 || buf_push(&targets, &dst) < 0) goto done;
                    }
                }
            }
        }
        if (check && !changed) {
            PyObject *k = u64(key);
            PyObject *r = k ? PyObject_CallMethod(cb, "deadlock", "nO", node, k) : NULL;
            Py_XDECREF(k);
            if (!r) goto done;
            Py_DECREF(r);
        }
        if (node % 1000 == 0) {
            PyObject *r = PyObject_CallMethod(cb, "progress", "nnL", node, (Py_ssize_t)keys.size, edges);
            if (!r) goto done;
            Py_DECREF(r);
        }
    }
    {
        PyObject *via_list = PyList_New((Py_ssize_t)via.size);
        if (!via_list) goto done;
        for (size_t i = 0; i < via.size; i++) {
            PyObject *edge = ((PyObject **)via.data)[i];
            Py_INCREF(edge);
            PyList_SET_ITEM(via_list, (Py_ssize_t)i, edge);
        }
        static char none[1];  /* y# with a NULL pointer gives None: empty buffers point here */
#define DATA(b) ((b).data ? (b).data : none)
        result = Py_BuildValue("(y#y#Ny#y#y#Li)", DATA(keys) + starts * 8, (Py_ssize_t)((keys.size - starts) * 8),
                               DATA(parents), (Py_ssize_t)(parents.size * 4), via_list, DATA(good), (Py_ssize_t)good.size,
                               DATA(sources), (Py_ssize_t)(sources.size * 4), DATA(targets),
                               (Py_ssize_t)(targets.size * 4), edges, complete);
#undef DATA
    }
done:
    PyBuffer_Release(&start);
    for (size_t i = 0; i < t.steps.size; i++) Py_DECREF(((Step *)t.steps.data)[i].edge);
    for (size_t i = 0; i < t.entries.size; i++) Py_DECREF(((Entry *)t.entries.data)[i].entry);
    PyMem_Free(keys.data); PyMem_Free(parents.data); PyMem_Free(via.data); PyMem_Free(good.data);
    PyMem_Free(sources.data); PyMem_Free(targets.data); PyMem_Free(t.entries.data); PyMem_Free(t.steps.data);
    map_free(&seen); map_free(&t.entry_of);
    return result;
}

static PyMethodDef methods[] = {
    {"search", search, METH_VARARGS, "Breadth-first search over word-packed situations (see explore.py)."},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_bfs", NULL, -1, methods};
PyMODINIT_FUNC PyInit__bfs(void) { return PyModule_Create(&module); }
