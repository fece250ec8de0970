-- The Lua prelude: builds the sandbox a spell runs in.
-- It runs once per engine with the full Lua library and the host's Python functions; the
-- spell only ever sees `env`, and the Python functions only as upvalues of Lua closures.
local host = ...

local real_load, real_pcall, real_xpcall, real_error = load, pcall, xpcall, error
local sethook = debug.sethook
local co_create, co_resume, co_close = coroutine.create, coroutine.resume, coroutine.close
local select, type, tostring, ipairs, pairs = select, type, tostring, ipairs, pairs
local concat = table.concat

local env = {}

local function copy(source, skip)
  local result = {}
  for name, value in pairs(source) do
    if not (skip and skip[name]) then result[name] = value end
  end
  return result
end

for _, name in ipairs({
  "assert", "error", "ipairs", "next", "pairs", "select", "tonumber", "tostring", "type",
  "rawequal", "rawget", "rawset", "rawlen", "setmetatable", "getmetatable", "_VERSION",
}) do
  env[name] = _G[name]
end
env.string = copy(string, { dump = true })
env.table = copy(table)
env.math = copy(math)
env.utf8 = copy(utf8)
env.coroutine = copy(coroutine)
env.os = { time = os.time, clock = os.clock, date = os.date }
env._G = env

-- Strings index the sandbox's string table, and their metatable stays out of reach.
local string_meta = getmetatable("")
string_meta.__index = env.string
string_meta.__metatable = false

-- Interrupts: a count hook asks the host every `interval` instructions whether the run must
-- stop (time limit, instruction budget, pause, terminate). Once it must, every instruction
-- raises again, so a spell cannot pcall its way past the end of its run.
local killed = nil
local interval = host.interval
local check = host.check
local getinfo = debug.getinfo

-- The hook itself is native when it can be (engines/lua/native/linehook.c): it filters line
-- events by line number in C and calls `on_line` and `on_count` below. Without it, `hook`
-- (further down) does the same in Lua, at the cost of a Lua call for every line run.
local native = nil
if host.native_hook then
  -- The registry and this very line let the library check it matches the running Lua.
  native = host.native_hook(debug.getregistry(), getinfo(1, "l").currentline)
end

-- The debugger (engines/lua/debug.lua) sets a line hook; without one only counts are hooked.
-- Line events are filtered by line number before any other call: a line hook costs one Lua
-- call per line, and most lines have no breakpoint.
local line_hook = nil
local hook_mask = ""
local hook_lines, hook_every_line = {}, false
local hook

-- From now on the run is over: this thread raises on every instruction (others when they
-- next run an instruction or are resumed: see reraise_if_killed).
local function kill(message)
  killed = message
  if native then native.sethook(nil, false, 1) else sethook(hook, "", 1) end
  real_error(message, 0)
end

local function on_count()
  local message = killed or check()
  if message then kill(message) end
end

-- A line with a breakpoint (on any file) or any line while stepping; level 2 is the
-- running function, both under the native hook and as a tail call from `hook`.
local function on_line(line)
  if (hook_every_line or hook_lines[line]) and line_hook and not killed then
    line_hook(line, getinfo(2, "S").source)
  end
end

hook = function(event, line)
  if event == "line" then
    if hook_every_line or hook_lines[line] then return on_line(line) end
    return
  end
  on_count()
end

-- Instructions run inside a hook count too, but a count event that falls due there is lost.
-- A loop as short as `while true do end` calling a Lua hook on each line could then lose
-- every one of them, forever, if its cycle divided the interval: with line events on, the
-- interval is a prime, which no such cycle divides.
local line_interval = host.line_interval

local function install_hook(thread)
  local count = hook_mask == "l" and line_interval or interval
  if native then
    native.sethook(thread, hook_mask == "l", count)
  elseif thread then
    sethook(thread, hook, hook_mask, count)
  else
    sethook(hook, hook_mask, count)
  end
end

if native then native.set_callbacks(on_count, on_line) end

-- The threads now running, innermost last: a coroutine is pushed while it runs, so the
-- debugger can show a stack across the coroutines that resumed each other.
local main_thread = coroutine.running()
local running_threads = { main_thread }

local function reraise_if_killed(...)
  if killed then real_error(killed, 0) end
  return ...
end

env.pcall = function(f, ...)
  return reraise_if_killed(real_pcall(f, ...))
end

env.xpcall = function(f, handler, ...)
  return reraise_if_killed(real_xpcall(f, handler, ...))
end

env.coroutine.create = function(f)
  local thread = co_create(f)
  install_hook(thread)
  return thread
end

local function leave_thread(...)
  running_threads[#running_threads] = nil
  return reraise_if_killed(...)
end

env.coroutine.resume = function(thread, ...)
  -- Hooks are per thread: bring this one up to date (breakpoints may have changed).
  install_hook(thread)
  running_threads[#running_threads + 1] = thread
  return leave_thread(co_resume(thread, ...))
end

env.coroutine.wrap = function(f)
  local thread = env.coroutine.create(f)
  local function finish(ok, ...)
    if ok then return ... end
    co_close(thread)
    real_error((...), 0)
  end
  return function(...)
    return finish(env.coroutine.resume(thread, ...))
  end
end

env.collectgarbage = function(option, ...)
  if option == nil or option == "collect" or option == "count" or option == "step"
      or option == "isrunning" then
    return collectgarbage(option, ...)
  end
  real_error("collectgarbage: option '" .. tostring(option) .. "' is not allowed", 2)
end

env.load = function(chunk, chunkname, mode, chunk_env)
  if chunk_env == nil then chunk_env = env end
  return real_load(chunk, chunkname or "=(load)", "t", chunk_env)
end

-- Output: print becomes an `output` record; bytes that are not UTF-8 are shown escaped.
local output = host.output
local function printable(text)
  if utf8.len(text) then return text end
  return (text:gsub("[\128-\255]", function(c) return ("\\x%02X"):format(c:byte()) end))
end

local function joined(separator, ...)
  local parts = {}
  for index = 1, select("#", ...) do
    parts[index] = tostring((select(index, ...)))
  end
  return printable(concat(parts, separator))
end

env.print = function(...)
  output(joined("\t", ...) .. "\n")
end

-- Like io.write: no separator, no newline (for streamed text).
env.write = function(...)
  output(joined("", ...))
end

-- Parallel workflow branches (engines/lua/branches.py): a spell function called for a branch
-- runs in a coroutine of its own; an API call that may wait (`deferrable`) yields it, so the
-- call runs on the branch's thread while the other branches go on.
local co_yield, co_running, co_status = coroutine.yield, coroutine.running, coroutine.status
local co_isyieldable = coroutine.isyieldable
local branch_threads = setmetatable({}, { __mode = "k" })

-- API calls: Python answers (true, value) or (false, message, level); errors are raised
-- here so they carry the spell's own file and line. Level -1 means the run must end (a
-- limit, or the client terminating it, inside the call): no pcall may swallow that.
local function bind(python_function, deferrable)
  return function(...)
    local ok, value, level
    if deferrable and branch_threads[co_running()] and co_isyieldable() then
      ok, value, level = co_yield(python_function, ...)
    else
      ok, value, level = python_function(...)
    end
    if ok then return value end
    if level == -1 then kill(value) end
    real_error(value, level)
  end
end

for module_name, functions in pairs(host.api) do
  local module = {}
  local deferrable = host.deferrable[module_name] or {}
  for function_name, python_function in pairs(functions) do
    module[function_name] = bind(python_function, deferrable[function_name])
  end
  env[module_name] = module
end

-- require: Lua modules from the spell's own folder only, found and read by the host.
local loaded = {}
local find_module = host.find_module
env.require = function(name)
  if type(name) ~= "string" then real_error("require: module name must be a string", 2) end
  local cached = loaded[name]
  if cached ~= nil then return cached end
  local ok, source, chunkname = find_module(name)
  if not ok then real_error(source, 2) end
  local chunk, message = real_load(source, "@" .. chunkname, "t", env)
  if not chunk then real_error(message, 0) end
  local result = chunk(name)
  if result == nil then result = true end
  loaded[name] = result
  return result
end

local engine = {}

function engine.load(source, chunkname)
  return real_load(source, "@" .. chunkname, "t", env)
end

-- Python callables handed to the spell (rare: most API results are data) become Lua
-- functions that raise errors the same way API calls do.
function engine.wrap_python(python_function)
  return bind(python_function)
end

function engine.start()
  install_hook(nil)
end

-- A branch's call of a spell function: a coroutine, resumed by the host until it ends. The
-- host holds it by number (lupa hands Lua threads to Python as functions). Returns "yield",
-- python_function, args... (an API call to make), "done", results... or "error", message.
local branch_jobs, branch_count = {}, 0

function engine.branch_start(fn)
  local thread = co_create(fn)
  branch_threads[thread] = true
  branch_count = branch_count + 1
  branch_jobs[branch_count] = thread
  return branch_count
end

local function branch_result(id, thread, ok, ...)
  running_threads[#running_threads] = nil
  if not ok then
    branch_jobs[id] = nil
    return "error", (...)
  end
  if co_status(thread) == "dead" then
    branch_jobs[id] = nil
    return "done", ...
  end
  return "yield", ...
end

function engine.branch_resume(id, ...)
  local thread = branch_jobs[id]
  install_hook(thread)
  running_threads[#running_threads + 1] = thread
  return branch_result(id, thread, co_resume(thread, ...))
end

-- Runs the main chunk so that an uncaught error is seen where it happens, stack intact.
local traceback = debug.traceback
function engine.call_reporting_errors(fn, on_error)
  return real_xpcall(fn, function(message)
    if type(message) ~= "string" then message = "(error object is not a string)" end
    if not killed then on_error(message) end
    return traceback(message, 2)
  end)
end

-- For the debugger only: never reachable from the spell.
-- Hooks are per thread and the host calls this from Python, on the main thread: update
-- every thread now running (coroutines resuming each other), not just the main one, so a
-- breakpoint set or a step begun while a coroutine runs takes effect inside it at once.
function engine.set_line_hook(fn, lines, every_line)
  line_hook = fn
  hook_lines, hook_every_line = lines or {}, every_line or false
  hook_mask = fn and "l" or ""
  if native then native.set_lines(hook_lines, hook_every_line) end
  for index = 1, #running_threads do install_hook(running_threads[index]) end
end

engine.native_hook = native ~= nil
engine.running_threads = running_threads
engine.main_thread = main_thread
engine.env = env
engine.initial_globals = copy(env)
return engine
