-- wrk script: each request redeems a different voucher code through the API.
-- Usage: wrk ... -s benchmarks/redeem.lua URL -- CODES_FILE THREADS TOKEN STORE [PATH]
-- (PATH: another endpoint given the same requests, e.g. /bench/api-floor/)
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  codes = {}
  local nthreads = tonumber(args[2])
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      codes[#codes + 1] = line
    end
    i = i + 1
  end
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. args[3]}
  store = args[4]
  path = args[5] or "/api/v1/redemptions/"
  n = 0
end

function request()
  n = n + 1
  local code = codes[n] or codes[1]  -- past the end: a 409 "already used", counted by wrk
  return wrk.format("POST", path, headers,
    string.format('{"code": "%s", "store": %s}', code, store))
end
