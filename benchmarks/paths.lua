-- wrk script: each request GETs a path picked at random from a file.
-- Usage: wrk ... -s benchmarks/paths.lua URL -- PATHS_FILE [COOKIE]
function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  headers = {}
  if args[2] and args[2] ~= "" then headers["Cookie"] = args[2] end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
