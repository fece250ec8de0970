-- hello: parameters, structured logs, and state that lives across runs.
local name = params.get("name")
local times = params.get("times")
local greeting = "Hello, " .. name .. "!"
if params.get("style") == "loud" then
  greeting = greeting:upper()
end

for i = 1, times do
  print(greeting)
end

-- "spell" scope persists across runs of this spell; "run" scope (the default) does not.
local total = state.update("greetings", function(old) return (old or 0) + times end, "spell")
state.set("last_greeted", name)
log.info("greeted", {name = name, times = times, total = total})
print(("%d greeting(s) so far across runs"):format(total))
