-- A tour of the tools: builtins from several groups, and one tool the spell defines.
-- Files are read and written only under data/ (see permissions in spell.yaml).

-- What is there: builtins by group.
local counts, order = {}, {}
for _, tool in ipairs(tools.list()) do
  if not counts[tool.group] then order[#order + 1] = tool.group end
  counts[tool.group] = (counts[tool.group] or 0) + 1
end
local parts = {}
for _, group in ipairs(order) do parts[#parts + 1] = group .. " " .. counts[group] end
print("builtin tools: " .. table.concat(parts, ", "))

-- A spell-defined tool: JSON Schema parameters, checked before the function runs.
tools.register("stock_value", "The value of an inventory line: quantity times unit price.", {
  type = "object",
  properties = {
    qty = {type = "integer", minimum = 0},
    price = {type = "number", minimum = 0},
  },
  required = {"qty", "price"},
}, function(args)
  return {value = args.qty * args.price}
end)

-- file + data: read the CSV and parse it.
local csv = tools.call("file_read", {path = "data/inventory.csv"})
local rows = tools.call("csv_parse", {text = csv.content, infer_types = true})
print(("read %d lines from %s"):format(#rows, csv.path))

for _, row in ipairs(rows) do
  row.value = tools.call("stock_value", {qty = row.qty, price = row.price}).value
end

-- Bad arguments never reach the function: the error names the tool.
local ok, err = pcall(tools.call, "stock_value", {qty = -1, price = 2})
print("checked: " .. tostring(ok) .. " (" .. err:match("arguments.*") .. ")")

-- data: the three most valuable lines.
local top = tools.call("transform", {
  items = rows, sort_by = "value", descending = true, limit = 3, pick = {"item", "value"},
})
for i, row in ipairs(top) do print(("  %d. %-6s %8.2f"):format(i, row.item, row.value)) end

-- math: statistics and a calculation.
local values = tools.call("json_query", {data = rows, query = "[*].value"})
local stats = tools.call("statistics", {values = values, percentiles = {50}})
local with_tax = tools.call("calculate", {
  expression = "round(total * (1 + rate), 2)", variables = {total = stats.sum, rate = 0.2},
})
print(("total %.2f, mean %.2f, median %.2f, with 20%% tax %.2f"):format(
  stats.sum, stats.mean, stats.median, with_tax))

-- datetime: fixed dates, so the output is the same on every run.
local diff = tools.call("datetime_diff", {start = "2024-01-01T09:00:00Z", ["end"] = "2024-03-15T17:30:00+01:00"})
local paris = tools.call("datetime_convert", {datetime = "2024-03-15T12:00:00Z", timezone = "Europe/Paris"})
print("stocktake took " .. diff.human .. "; noon UTC is " .. paris.hour .. ":00 in Paris")

-- file: write a report, list the folder, then tidy up.
local report = tools.call("csv_format", {rows = top, columns = {"item", "value"}})
tools.call("file_write", {path = "data/report.csv", content = report})
local names = {}
for _, entry in ipairs(tools.call("file_list", {path = "data"}).entries) do
  names[#names + 1] = entry.name
end
print("data/ holds " .. table.concat(names, ", "))
tools.call("file_delete", {path = "data/report.csv"})

-- Outside the manifest's roots: refused, as a catchable error.
local allowed = pcall(tools.call, "file_read", {path = "main.lua"})
print("reading main.lua (outside data/): " .. (allowed and "allowed" or "refused"))
