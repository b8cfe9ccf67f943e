-- wrk script: a flash crowd. Each request is one buyer, with their own API
-- token, POSTing one unit of the offer. Run with one thread (-t1): once
-- every buyer has had an answer, the thread stops and interrupts wrk, so
-- wrk ends with the crowd rather than at -d.
-- Usage: wrk -t1 -c64 -d120s -s benchmarks/flash_deal.lua URL -- TOKENS_FILE OFFER [PATH]
-- With PATH, each POSTs an empty body there instead (a coupon claim:
-- benchmarks/coupon_claim.py); 201 counts as got, 409 sold_out as too late.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clock_id, timespec *tp);
  int getpid(void);
  int kill(int pid, int sig);
]]
local CLOCK_MONOTONIC, SIGINT = 1, 2
local now_ts = ffi.new("timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
  return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = line
  end
  path = args[3] or "/api/v1/orders/"
  body = args[3] and "{}" or string.format('{"offer": %s, "quantity": 1}', args[2])
  claimed, sent, answered, sold, sold_out, other = 0, 0, 0, 0, 0, 0
  first_sent, last_answer = 0, 0
end

function delay()
  -- wrk asks for a delay before each request: the next buyer is claimed
  -- here. A connection with no buyer left waits (for good: the run ends
  -- when the last answer comes) instead of sending anything else.
  if claimed >= #tokens then
    return 600000
  end
  claimed = claimed + 1
  return 0
end

function request()
  -- wrk calls this once before the run to check the script (no delay()
  -- came first): that request is never sent, so it takes no buyer.
  if claimed > 0 then
    sent = sent + 1
    if sent == 1 then
      first_sent = now()
    end
  end
  local token = tokens[math.max(sent, 1)]
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token}
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status == 201 then
    sold = sold + 1
  elseif status == 409 and string.find(body, '"sold_out"', 1, true) then
    sold_out = sold_out + 1
  else
    other = other + 1
  end
  if answered == #tokens then
    last_answer = now()
    wrk.thread:stop()
    ffi.C.kill(ffi.C.getpid(), SIGINT)  -- wakes wrk's main thread, which prints the summary
  end
end

function done(summary, latency, requests)
  local t = threads[1]
  io.write(string.format(
    "FLASH answered=%d sold=%d sold_out=%d other=%d seconds=%.3f errors=%d p50_ms=%.1f p99_ms=%.1f\n",
    t:get("answered"), t:get("sold"), t:get("sold_out"), t:get("other"),
    t:get("last_answer") - t:get("first_sent"),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
