-- Three loops: until done (a condition), over a collection, N times; nested in a sequence.

-- Newton's method until the estimate is good enough. The condition is checked before each
-- iteration; max_iterations stops a loop whose condition would never become false.
local refine = workflow.loop{
  name = "refine",
  condition = {path = "done", op = "~=", value = true},
  max_iterations = 50,
  step = {name = "newton", fn = function(state)
    local next = (state.estimate + state.number / state.estimate) / 2
    return {estimate = next, done = math.abs(next * next - state.number) < 1e-9,
            iterations = state.iterations + 1}
  end},
}

-- Over an array: each item arrives as state.answer, its position as state.index.
local grade = workflow.loop{
  name = "grade",
  over = {3, 5, 8, 13},
  as = "answer",
  step = function(state)
    local passed = state.answer % 2 == 1
    return {passed = state.passed + (passed and 1 or 0)}
  end,
}

-- N times, with a tool step: compound 5 % a year, for 3 years.
local compound = workflow.loop{
  name = "compound",
  times = 3,
  step = {name = "year", tool = "calculate",
          arguments = function(state) return {expression = state.balance .. " * 1.05"} end,
          output = "balance"},
}

local all = workflow.sequential{name = "loops", steps = {refine, grade, compound}}
local final = workflow.run(all, {number = params.get("number"), estimate = 1, iterations = 0,
                                 passed = 0, balance = 1000})
print(("sqrt(%g) ≈ %.9f after %d iterations"):format(final.number, final.estimate, final.iterations))
print(("%d of 4 answers are odd"):format(final.passed))
print(("balance after 3 years: %.2f"):format(final.balance))

-- The guard: a loop whose condition never ends stops with a clear error.
local forever = workflow.loop{name = "forever", condition = function() return true end,
                              max_iterations = 5, step = function() end}
local ok, err = pcall(workflow.run, forever)
print("guarded: " .. tostring(err):match("reached its max_iterations %(5%)"))
