-- A research pipeline as a workflow: gather, analyse in parallel, then report.
-- Deterministic: the "sources" are local notes, the numbers come from the calculate tool.

local notes = {
  ["tidal energy"] = {
    "Tidal energy turns the rise and fall of the sea into electricity.",
    "Tidal streams are predictable years ahead, unlike wind.",
    "Barrages and stream turbines are the two main designs.",
  },
}

local function gather(state)
  local found = notes[state.topic] or {"Nothing is known about " .. state.topic .. "."}
  return {sources = found, count = #found}
end

local function words(text)
  local n = 0
  for _ in text:gmatch("%S+") do n = n + 1 end
  return n
end

local function keywords(state)
  local seen, list = {}, {}
  for _, text in ipairs(state.sources) do
    for word in text:lower():gmatch("%a+") do
      if #word > 6 and not seen[word] then
        seen[word] = true
        list[#list + 1] = word
      end
    end
  end
  table.sort(list)
  return {keywords = list}
end

local function word_total(state)
  local parts = {}
  for _, text in ipairs(state.sources) do parts[#parts + 1] = tostring(words(text)) end
  return {expression = table.concat(parts, " + ")}
end

-- Two analyses from the same notes; "namespaced" puts each branch's updates under its name.
local analyse = workflow.parallel{
  name = "analyse",
  merge = "namespaced",
  steps = {
    {name = "length", tool = "calculate", arguments = word_total, output = "words"},
    {name = "terms", fn = keywords},
  },
}

local function score(state)
  -- One point per source, one per keyword.
  return {score = state.count + #state.terms.keywords}
end

local report = workflow.conditional{
  name = "report",
  branches = {
    {
      when = {path = "score", op = ">", value = params.get("threshold")},
      step = {name = "long_report", fn = function(state)
        return {report = ("%s: %d sources, %d words; key terms: %s."):format(
          state.topic, state.count, state.length.words, table.concat(state.terms.keywords, ", "))}
      end},
    },
  },
  default = {name = "short_report", fn = function(state)
    return {report = ("%s: %d sources."):format(state.topic, state.count)}
  end},
}

local pipeline = workflow.sequential{
  name = "research",
  steps = {{name = "gather", fn = gather}, analyse, {name = "score", fn = score}, report},
}

local final = workflow.run(pipeline, {topic = params.get("topic")})
print(("score %d (threshold %d)"):format(final.score, params.get("threshold")))
print(final.report)
