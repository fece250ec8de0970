-- structured-extraction: JSON out of prose, validated against a schema.
local schema = {
  type = "object",
  properties = {
    name = {type = "string"},
    age = {type = "integer"},
    city = {type = "string"},
  },
  required = {"name", "age", "city"},
}

local ok, person = pcall(llm.structured,
  "Extract the person's name, age and city from this text: " .. params.get("text"),
  schema, {temperature = 0, max_tokens = 120, retries = 2})

if ok then
  print(("name: %s\nage:  %d\ncity: %s"):format(person.name, person.age, person.city))
  state.set("person", person)
else
  -- Small local models do not always manage valid JSON: say so instead of failing.
  log.warn("no valid answer", {error = person})
  print("The model did not produce valid JSON: " .. person)
end
