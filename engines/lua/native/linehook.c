/*
 * The Lua engine's debug hook, in C: filters line events natively, so that a line with no
 * breakpoint never runs any Lua code (engines/lua/prelude.lua holds everything else).
 *
 * A Lua hook function costs a Lua call on every line the spell runs once line events are
 * hooked; this hook only looks a line number up in a bit set and calls back into Lua (the
 * prelude's `on_line`) for a breakpoint line, or every line while stepping. Count events
 * (every `interval` instructions: limits, pause, terminate) always go to the prelude's
 * `on_count`.
 *
 * It is not linked against Lua. Lua 5.4 lives inside lupa's extension module, which Python
 * loads RTLD_LOCAL, so its lua_* symbols are not visible to a library that Lua loads with
 * package.loadlib. Python first calls `llmspell_linehook_bind(path of lupa's module)`
 * (through ctypes) which finds them with dlopen(RTLD_NOLOAD) + dlsym; only then can Lua
 * call `luaopen_llmspell_linehook`, which also checks that the declarations below match
 * the Lua it runs in (version, registry index, lua_Debug layout) before handing out any
 * function. Any mismatch means no native hook, and the prelude keeps its Lua hook.
 */

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

/* -- the part of Lua 5.4's lua.h this file uses ------------------------------------------ */

typedef struct lua_State lua_State;
typedef long long lua_Integer;
typedef double lua_Number;
typedef ptrdiff_t lua_KContext;
typedef int (*lua_CFunction)(lua_State *L);
typedef int (*lua_KFunction)(lua_State *L, int status, lua_KContext ctx);

#define LUA_IDSIZE 60

typedef struct lua_Debug {
  int event;
  const char *name;
  const char *namewhat;
  const char *what;
  const char *source;
  size_t srclen;
  int currentline;
  int linedefined;
  int lastlinedefined;
  unsigned char nups;
  unsigned char nparams;
  char isvararg;
  char istailcall;
  unsigned short ftransfer;
  unsigned short ntransfer;
  char short_src[LUA_IDSIZE];
  struct CallInfo *i_ci;
} lua_Debug;

/* Room to spare, should a Lua write more of a lua_Debug than declared above. */
typedef union {
  lua_Debug ar;
  char room[512];
} DebugRecord;

typedef void (*lua_Hook)(lua_State *L, lua_Debug *ar);

#define LUA_VERSION_NUM 504
#define LUA_REGISTRYINDEX (-1000000 - 1000)
#define LUA_TNUMBER 3
#define LUA_TTABLE 5
#define LUA_TFUNCTION 6
#define LUA_TTHREAD 8
#define LUA_HOOKLINE 2
#define LUA_HOOKCOUNT 3
#define LUA_MASKLINE (1 << LUA_HOOKLINE)
#define LUA_MASKCOUNT (1 << LUA_HOOKCOUNT)

/* The Lua API, as function pointers filled in by llmspell_linehook_bind. */
#define LUA_API_FUNCTIONS(X)                                                                 \
  X(lua_Number, lua_version, (lua_State * L))                                               \
  X(void, lua_sethook, (lua_State * L, lua_Hook f, int mask, int count))                    \
  X(int, lua_getstack, (lua_State * L, int level, lua_Debug *ar))                           \
  X(int, lua_getinfo, (lua_State * L, const char *what, lua_Debug *ar))                     \
  X(void, lua_settop, (lua_State * L, int idx))                                             \
  X(int, lua_type, (lua_State * L, int idx))                                                \
  X(int, lua_rawequal, (lua_State * L, int a, int b))                                       \
  X(int, lua_toboolean, (lua_State * L, int idx))                                           \
  X(lua_Integer, lua_tointegerx, (lua_State * L, int idx, int *isnum))                      \
  X(lua_State *, lua_tothread, (lua_State * L, int idx))                                    \
  X(void *, lua_touserdata, (lua_State * L, int idx))                                       \
  X(void, lua_pushvalue, (lua_State * L, int idx))                                          \
  X(void, lua_pushnil, (lua_State * L))                                                     \
  X(void, lua_pushinteger, (lua_State * L, lua_Integer n))                                  \
  X(void, lua_pushcclosure, (lua_State * L, lua_CFunction fn, int n))                       \
  X(void, lua_createtable, (lua_State * L, int narr, int nrec))                             \
  X(void, lua_setfield, (lua_State * L, int idx, const char *k))                            \
  X(int, lua_next, (lua_State * L, int idx))                                                \
  X(int, lua_rawgetp, (lua_State * L, int idx, const void *p))                              \
  X(void, lua_rawsetp, (lua_State * L, int idx, const void *p))                             \
  X(void *, lua_newuserdatauv, (lua_State * L, size_t size, int nuvalue))                   \
  X(int, lua_getiuservalue, (lua_State * L, int idx, int n))                                \
  X(int, lua_setiuservalue, (lua_State * L, int idx, int n))                                \
  X(void, lua_callk, (lua_State * L, int nargs, int nresults, lua_KContext ctx, lua_KFunction k))

#define DECLARE(ret, name, args) ret(*name) args;
static struct {
  LUA_API_FUNCTIONS(DECLARE)
} api;
#undef DECLARE

static int bound = 0;

/* Returns 1 when every Lua function was found in `library` (lupa's module, already loaded). */
int llmspell_linehook_bind(const char *library) {
  void *handle;
  if (bound) return 1;
  handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
  if (handle == NULL) return 0;
#define RESOLVE(ret, name, args)                                                               \
  *(void **)(&api.name) = dlsym(handle, #name);                                                \
  if (api.name == NULL) return 0;
  LUA_API_FUNCTIONS(RESOLVE)
#undef RESOLVE
  /* The handle is kept open on purpose: lupa's module never unloads anyway. */
  bound = 1;
  return 1;
}

/* -- the hook ----------------------------------------------------------------------------- */

/* Lines at or past this bound are not kept in the bit set: they all go to Lua's `on_line`,
 * which checks them against its own table (a spell that long is rare, a huge set is not
 * worth its memory). */
#define MAX_BIT_LINES (1 << 20)

enum { ON_COUNT = 1, ON_LINE = 2, LINE_BITS = 3, USER_VALUES = 3 };

/* One per Lua state, a full userdata in the registry: its user values hold the two Lua
 * callbacks and the userdata with the bits. */
typedef struct Hook {
  const unsigned char *bits; /* bit `line` set: a breakpoint line */
  lua_Integer limit;         /* lines below this are in `bits` */
  int far_lines;             /* some breakpoint line is at or past `limit` */
  int every_line;            /* stepping: every line goes to Lua */
} Hook;

static const char hook_key = 0;

static int wanted(const Hook *h, int line) {
  if (h->every_line) return 1;
  if (line < 0) return 0;
  if (line >= h->limit) return h->far_lines;
  return (h->bits[line >> 3] >> (line & 7)) & 1;
}

static void hook(lua_State *L, lua_Debug *ar) {
  Hook *h;
  int callback = 0;
  api.lua_rawgetp(L, LUA_REGISTRYINDEX, &hook_key);
  h = (Hook *)api.lua_touserdata(L, -1);
  if (h != NULL) {
    if (ar->event == LUA_HOOKLINE) {
      if (wanted(h, ar->currentline)) callback = ON_LINE;
    } else if (ar->event == LUA_HOOKCOUNT) {
      callback = ON_COUNT;
    }
  }
  if (callback && api.lua_getiuservalue(L, -1, callback) == LUA_TFUNCTION) {
    int nargs = 0;
    if (callback == ON_LINE) {
      api.lua_pushinteger(L, ar->currentline);
      nargs = 1;
    }
    /* Errors raised by the callback (a limit, a stop) propagate from the hook, as from the
     * Lua hook before: the interrupted instruction raises them. */
    api.lua_callk(L, nargs, 0, 0, NULL);
    api.lua_settop(L, -2);
    return;
  }
  api.lua_settop(L, callback ? -3 : -2); /* the Hook, and the callback if fetched */
}

static Hook *hook_of(lua_State *L) {
  Hook *h;
  api.lua_rawgetp(L, LUA_REGISTRYINDEX, &hook_key);
  h = (Hook *)api.lua_touserdata(L, -1);
  api.lua_settop(L, -2);
  return h;
}

/* sethook(thread or nil, lines, count): hooks that thread (nil: the running one) with count
 * events every `count` instructions, and line events when `lines` is true. */
static int l_sethook(lua_State *L) {
  lua_State *target = api.lua_type(L, 1) == LUA_TTHREAD ? api.lua_tothread(L, 1) : L;
  int mask = LUA_MASKCOUNT | (api.lua_toboolean(L, 2) ? LUA_MASKLINE : 0);
  lua_Integer count = api.lua_tointegerx(L, 3, NULL);
  if (count < 1) count = 1;
  if (count > 0x7fffffff) count = 0x7fffffff;
  api.lua_sethook(target, hook, mask, (int)count);
  return 0;
}

/* set_callbacks(on_count, on_line) */
static int l_set_callbacks(lua_State *L) {
  api.lua_settop(L, 2);
  api.lua_rawgetp(L, LUA_REGISTRYINDEX, &hook_key);
  api.lua_pushvalue(L, 1);
  api.lua_setiuservalue(L, 3, ON_COUNT);
  api.lua_pushvalue(L, 2);
  api.lua_setiuservalue(L, 3, ON_LINE);
  return 0;
}

/* set_lines(lines, every_line): `lines` is a table whose integer keys are breakpoint lines. */
static int l_set_lines(lua_State *L) {
  Hook *h;
  lua_Integer limit = 0;
  int far_lines = 0;
  unsigned char *bits;
  api.lua_settop(L, 2);
  h = hook_of(L);
  if (h == NULL) return 0;
  if (api.lua_type(L, 1) == LUA_TTABLE) {
    api.lua_pushnil(L);
    while (api.lua_next(L, 1)) {
      int isnum = 0;
      lua_Integer line = api.lua_type(L, -2) == LUA_TNUMBER ? api.lua_tointegerx(L, -2, &isnum) : 0;
      if (isnum && line >= 0) {
        if (line >= MAX_BIT_LINES) far_lines = 1;
        else if (line >= limit) limit = line + 1;
      }
      api.lua_settop(L, -2);
    }
  }
  limit = (limit + 7) & ~(lua_Integer)7;
  bits = (unsigned char *)api.lua_newuserdatauv(L, (size_t)(limit / 8) + 1, 0);
  memset(bits, 0, (size_t)(limit / 8) + 1);
  if (api.lua_type(L, 1) == LUA_TTABLE) {
    api.lua_pushnil(L);
    while (api.lua_next(L, 1)) {
      int isnum = 0;
      lua_Integer line = api.lua_type(L, -2) == LUA_TNUMBER ? api.lua_tointegerx(L, -2, &isnum) : 0;
      if (isnum && line >= 0 && line < limit) bits[line >> 3] |= (unsigned char)(1 << (line & 7));
      api.lua_settop(L, -2);
    }
  }
  /* The bits live as long as the Hook refers to them: they are its user value. */
  api.lua_rawgetp(L, LUA_REGISTRYINDEX, &hook_key);
  api.lua_pushvalue(L, 3);
  api.lua_setiuservalue(L, -2, LINE_BITS);
  h->bits = bits;
  h->limit = limit;
  h->far_lines = far_lines;
  h->every_line = api.lua_toboolean(L, 2);
  return 0;
}

static int layout_matches(lua_State *L) {
  DebugRecord record;
  int isnum = 0;
  lua_Integer line = api.lua_tointegerx(L, 2, &isnum);
  if (api.lua_version(L) != LUA_VERSION_NUM) return 0;
  if (!api.lua_rawequal(L, 1, LUA_REGISTRYINDEX)) return 0;
  memset(&record, 0, sizeof record);
  record.ar.currentline = -7;
  if (!isnum || !api.lua_getstack(L, 1, &record.ar)) return 0;
  if (!api.lua_getinfo(L, "l", &record.ar)) return 0;
  return record.ar.currentline == line;
}

/* luaopen_llmspell_linehook(registry, line): `registry` is debug.getregistry() and `line`
 * the caller's current line, to check this file against the running Lua. Returns the
 * functions above in a table, or nothing when they cannot be used. */
int luaopen_llmspell_linehook(lua_State *L) {
  Hook *h;
  if (!bound || !layout_matches(L)) return 0;
  h = (Hook *)api.lua_newuserdatauv(L, sizeof(Hook), USER_VALUES);
  memset(h, 0, sizeof *h);
  api.lua_rawsetp(L, LUA_REGISTRYINDEX, &hook_key);
  api.lua_createtable(L, 0, 3);
  api.lua_pushcclosure(L, l_sethook, 0);
  api.lua_setfield(L, -2, "sethook");
  api.lua_pushcclosure(L, l_set_callbacks, 0);
  api.lua_setfield(L, -2, "set_callbacks");
  api.lua_pushcclosure(L, l_set_lines, 0);
  api.lua_setfield(L, -2, "set_lines");
  return 1;
}
