-- Retry, fallback and compensation (saga) in one workflow.
-- The failures are simulated, so the run is the same every time.

local booked = {}
local attempts = 0

local function book(kind, price)
  return {
    name = "book_" .. kind,
    fn = function(state)
      booked[#booked + 1] = kind
      print("booked " .. kind)
      return {total = state.total + price}
    end,
    compensate = function(state)
      print("cancelled " .. kind)
      for i = #booked, 1, -1 do
        if booked[i] == kind then table.remove(booked, i) end
      end
    end,
  }
end

local steps = {
  -- Fails twice, then works: retried up to 3 times, waiting 10 ms, 20 ms, ...
  {name = "check_availability", on_error = {retry = 3, backoff = 0.01}, fn = function(state)
    attempts = attempts + 1
    if attempts < 3 then error("availability service busy") end
    print(("available (after %d attempts)"):format(attempts))
    return {available = true}
  end},
  -- Its price source is down: the fallback step supplies a default price.
  {name = "price_quote", fn = function() error("price service down") end,
   on_error = {fallback = {name = "default_price", fn = function() return {hotel_price = 180} end}}},
  book("flight", 320),
  {name = "book_hotel", fn = function(state)
    booked[#booked + 1] = "hotel"
    print("booked hotel")
    return {total = state.total + state.hotel_price}
  end, compensate = function()
    print("cancelled hotel")
    table.remove(booked)
  end},
  -- Optional extra: its failure does not stop the trip.
  {name = "seat_upgrade", on_error = "continue", fn = function() error("no seats left") end},
  {name = "pay", fn = function(state)
    if state.total > params.get("budget") then
      error(("payment refused: %d is over the budget of %d"):format(state.total, params.get("budget")))
    end
    print("paid " .. state.total)
    return {paid = true}
  end},
}

local trip = workflow.sequential{name = "trip", steps = steps}
local ok, result = pcall(workflow.run, trip, {total = 0})
if ok then
  print(("trip booked: %s, total %d"):format(table.concat(booked, " + "), result.total))
else
  print("trip failed: " .. tostring(result):match("payment refused[^\n]*"))
  print(("still booked: %d"):format(#booked))
end
