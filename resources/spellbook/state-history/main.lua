-- state-history: nested paths, snapshots, history and diffs.
state.set("inventory.apples", 5)
state.set("inventory.pears", 2)
state.set("owner", {name = "Ada", since = 2024})

local before = state.snapshot("before the sale")

state.update("inventory.apples", function(n) return n - 3 end)
state.delete("inventory.pears")
state.set("inventory.plums", 7)
state.update("owner", {since = 2025})            -- a table merges into the old one

print("apples left: " .. state.get("inventory.apples"))
print("keys: " .. table.concat(state.keys("inventory"), ", "))

print("what changed since the snapshot:")
for _, change in ipairs(state.diff(before)) do
  print(("  %-18s %-8s %s -> %s"):format(
    change.path, change.op, json.encode(change.old), json.encode(change.new)))
end

print("history of inventory.apples:")
for _, entry in ipairs(state.history("inventory.apples")) do
  print(("  #%d %s %s -> %s"):format(entry.seq, entry.op, json.encode(entry.old), json.encode(entry.new)))
end

state.restore(before)
print("after restore, pears: " .. state.get("inventory.pears"))
