-- wrk script: POSTs recommendation requests whose needs are all distinct, so
-- that no cache of answers can serve a repeat. Each line of TEMPLATES_FILE is
-- a request body split by a tab where the need's description ends; every
-- request inserts, at that point, a phrase of four words chosen from
-- WORDS_FILE (one word a line) by a counter unique to the request:
-- thread t of T sends counters t, t+T, t+2T, ... so with 64 words there are
-- 64^4 (16.8 million) distinct phrases before one repeats, over all threads.
--   wrk -s unique_needs.lua URL -- TEMPLATES_FILE WORDS_FILE
-- Prints the same JSON summary line as post_bodies.lua.
local templates = {}
local words = {}
local counter = 0
local stride = 1

local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  threads[#threads + 1] = thread
end

local function read_lines(path)
  local out = {}
  local file = assert(io.open(path, "r"), "cannot read " .. tostring(path))
  for line in file:lines() do
    if #line > 0 then out[#out + 1] = line end
  end
  file:close()
  assert(#out > 0, "no lines in " .. path)
  return out
end

function init(args)
  for _, line in ipairs(read_lines(args[1])) do
    local tab = assert(line:find("\t", 1, true), "template without a tab")
    templates[#templates + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
  end
  words = read_lines(args[2])
  counter = thread_index or 0
  stride = tonumber(args[3]) or 2  -- wrk's thread count
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local n = counter
  counter = counter + stride
  local t = templates[n % #templates + 1]
  local m = math.floor(n / #templates)
  local w = #words
  local phrase = words[m % w + 1] .. " " .. words[math.floor(m / w) % w + 1] .. " " ..
      words[math.floor(m / (w * w)) % w + 1] .. " " .. words[math.floor(m / (w * w * w)) % w + 1]
  return wrk.format(nil, nil, nil, t[1] .. " " .. phrase .. t[2])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "req_per_s": %.1f, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
