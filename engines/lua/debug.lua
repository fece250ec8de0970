-- Debugger helpers for the Lua engine: line events, frames, variables, evaluation.
-- Runs outside the sandbox with the real debug library; only engines/lua/debug.py calls it.
local engine, on_line = ...

local getinfo, getlocal, setlocal = debug.getinfo, debug.getlocal, debug.setlocal
local getupvalue, setupvalue = debug.getupvalue, debug.setupvalue
local threads = engine.running_threads
local env = engine.env
local initial_globals = engine.initial_globals
local load, pcall, select, type, pairs, next = load, pcall, select, type, pairs, next
local sort, tostring, concat, rawget, rawset = table.sort, tostring, table.concat, rawget, rawset

local dbg = {}

-- Called by the prelude's hook for a line event that has a breakpoint on its line number
-- (any file) or when every line is wanted (stepping), with the running function's source.
local function line_hook(line, source)
  if source:byte(1) == 64 then
    local stop = on_line(source:sub(2), line)
    if stop then error(stop, 0) end
  end
end

function dbg.configure(enabled, lines, all)
  engine.set_line_hook(enabled and line_hook or nil, lines, all)
end

-- The spell's frames, innermost first, across the threads now running. A frame is kept by
-- its distance from the bottom of its thread's stack, which helpers running on top of that
-- same thread do not change (its level does).
local function spell_frames()
  local frames = {}
  for t = #threads, 1, -1 do
    local thread = threads[t]
    local infos = {}
    local level = 0
    while true do
      local info = getinfo(thread, level, "Slnf")
      if not info then break end
      infos[level] = info
      level = level + 1
    end
    local size = level
    for l = 0, size - 1 do
      local info = infos[l]
      if info.what ~= "C" and info.source:byte(1) == 64 then
        frames[#frames + 1] = { thread = thread, from_bottom = size - l, info = info }
      end
    end
  end
  return frames
end

local function frame_at(index)
  local frame = spell_frames()[index]
  if not frame then error("no frame " .. tostring(index), 0) end
  return frame
end

-- The frame's level as the function calling this one sees it (for getlocal and setlocal).
local function level_for_caller(frame)
  local thread = frame.thread
  local size = 0
  while getinfo(thread, size, "") do size = size + 1 end
  local level = size - frame.from_bottom
  if thread == coroutine.running() then level = level - 1 end
  return level
end

function dbg.depth()
  return #spell_frames()
end

-- Helpers report through Python callbacks instead of returning tables: Python reads only
-- call results and arguments, never fields of Lua tables (lupa misreads those while a
-- coroutine is running).
function dbg.stack(report)
  for index, frame in ipairs(spell_frames()) do
    local info = frame.info
    local name = info.name
    if not name then
      name = info.what == "main" and "main chunk" or ("function <" .. info.short_src .. ":" .. info.linedefined .. ">")
    end
    report(index, name, info.source:sub(2), info.currentline)
  end
end

local function frame_locals(frame)
  local names, values, indexes = {}, {}, {}
  local index = 1
  local level = level_for_caller(frame)
  while true do
    local name, value = getlocal(frame.thread, level, index)
    if not name then break end
    if name:byte(1) ~= 40 then -- "(temporary)"
      if indexes[name] then
        -- A later local of the same name shadows the earlier one.
        for i = 1, #names do if names[i] == name then table.remove(names, i) table.remove(values, i) break end end
      end
      names[#names + 1] = name
      values[#names] = value
      indexes[name] = index
    end
    index = index + 1
  end
  return names, values, indexes
end

local function frame_upvalues(frame)
  local names, values, indexes = {}, {}, {}
  local func = frame.info.func
  local index = 1
  while true do
    local name, value = getupvalue(func, index)
    if not name then break end
    if name ~= "_ENV" then
      names[#names + 1] = name
      values[#names] = value
      indexes[name] = index
    end
    index = index + 1
  end
  return names, values, indexes
end

local function describe(value)
  local kind = type(value)
  if kind == "string" then return ("%q"):format(value):gsub("\\\n", "\\n") end
  if kind == "function" then
    local info = getinfo(value, "S")
    if info.what == "C" then return "function (builtin)" end
    return "function (" .. info.short_src .. ":" .. info.linedefined .. ")"
  end
  if kind ~= "table" then return tostring(value) end
  return nil
end

local function key_name(key)
  if type(key) == "string" and key:match("^[%a_][%w_]*$") then return key end
  if type(key) == "string" then return "[" .. describe(key) .. "]" end
  return "[" .. tostring(key) .. "]"
end

local function sorted_keys(t)
  local keys = {}
  for key in next, t do keys[#keys + 1] = key end
  sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta == "number" end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

-- A one-line picture of a value: tables show their first entries.
function dbg.render(value, nested)
  local text = describe(value)
  if text then return text end
  if nested then return "{…}" end
  local keys = sorted_keys(value)
  local parts, width = {}, 0
  local sequence = #keys == #value
  for i, key in ipairs(keys) do
    local shown = dbg.render(rawget(value, key), true)
    parts[i] = sequence and shown or (key_name(key) .. " = " .. shown)
    width = width + #parts[i] + 2
    if width > 60 and i < #keys then parts[i + 1] = "…" break end
  end
  return "{" .. concat(parts, ", ") .. "}"
end

local function report_entry(report, name, value)
  report(name, value, type(value), dbg.render(value))
end

-- Reports (name, value, type, rendered) for each variable of a scope or a table.
function dbg.variables(scope, target, report)
  if scope == "table" then
    for _, key in ipairs(sorted_keys(target)) do report_entry(report, key_name(key), rawget(target, key)) end
    return
  end
  if scope == "globals" then
    local names = {}
    for name, value in pairs(env) do
      if initial_globals[name] ~= value then names[#names + 1] = name end
    end
    sort(names)
    for _, name in ipairs(names) do report_entry(report, name, env[name]) end
    return
  end
  local frame = frame_at(target)
  local names, values = (scope == "locals" and frame_locals or frame_upvalues)(frame)
  for i = 1, #names do report_entry(report, names[i], values[i]) end
end

-- The key of a table entry shown as `name` (for setVariable).
function dbg.key_of(t, name)
  for key in next, t do
    if key_name(key) == name then return key end
  end
  return name
end

function dbg.set_field(t, key, value)
  rawset(t, key, value)
end

-- Names in an evaluated expression resolve to the frame's locals, then its upvalues, then
-- the spell's globals; assignments write back to the same place.
local eval_frame = 1
local eval_env = setmetatable({}, {
  __index = function(_, name)
    local frame = frame_at(eval_frame)
    local lnames, lvalues, lindexes = frame_locals(frame)
    if lindexes[name] then
      for i = 1, #lnames do if lnames[i] == name then return lvalues[i] end end
    end
    local unames, uvalues, uindexes = frame_upvalues(frame)
    if uindexes[name] then
      for i = 1, #unames do if unames[i] == name then return uvalues[i] end end
    end
    return env[name]
  end,
  __newindex = function(_, name, value)
    dbg.assign(eval_frame, "auto", name, value)
  end,
})

local compiled = {}

local function compile(code, allow_statement)
  local key = (allow_statement and "s:" or "e:") .. code
  local chunk = compiled[key]
  if chunk then return chunk end
  local err
  chunk, err = load("return " .. code, "=(eval)", "t", eval_env)
  if not chunk and allow_statement then chunk, err = load(code, "=(eval)", "t", eval_env) end
  if not chunk then return nil, err end
  compiled[key] = chunk
  return chunk
end

local function report_results(report, ok, ...)
  if not ok then return false, tostring((...)) end
  for i = 1, select("#", ...) do
    local value = (select(i, ...))
    report_entry(report, "", value)
  end
  return true, nil
end

-- Evaluates `code` in a frame; reports each result like a variable. Returns ok, error.
function dbg.eval(index, code, allow_statement, report)
  local chunk, err = compile(code, allow_statement)
  if not chunk then return false, err end
  local saved = eval_frame
  eval_frame = index or 1
  local ok, message = report_results(report, pcall(chunk))
  eval_frame = saved
  return ok, message
end

-- Assign `value` to `name` in a frame scope: "locals", "upvalues", "globals" or "auto".
function dbg.assign(index, scope, name, value)
  if scope == "globals" then env[name] = value return true end
  local frame = frame_at(index)
  if scope == "locals" or scope == "auto" then
    local _, _, indexes = frame_locals(frame)
    if indexes[name] then
      setlocal(frame.thread, level_for_caller(frame), indexes[name], value)
      return true
    end
  end
  if scope == "upvalues" or scope == "auto" then
    local _, _, indexes = frame_upvalues(frame)
    if indexes[name] then setupvalue(frame.info.func, indexes[name], value) return true end
  end
  if scope == "auto" then env[name] = value return true end
  return false
end

return dbg
