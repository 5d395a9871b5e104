-- wrk script of `python -m bench vote`: one vote per request, each with a token of its own.
--
-- wrk -t T -c C -d D -s vote.lua URL -- TOKENS_FILE T HOST [BODY_FILE [METHOD]]
--
-- Thread i (0-based) sends the tokens on lines i+1, i+1+T, i+1+2T, ... of TOKENS_FILE; when
-- its share runs out it starts again from its first (such requests are counted as "reused").
-- done() prints one line: "VOTE_WRK_RESULT {json}" with latencies in microseconds.

local counter = 0
local threads = {}

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local body = '{"choices": ["yes"]}'
local tokens = {}
local host = nil
local method = "POST"

statuses = {}
sent = 0
reused = 0
share = 0

function init(args)
   local path, nthreads = args[1], tonumber(args[2])
   host = args[3]
   if args[4] then  -- the body of every request, from a file (bench survey)
      local file = assert(io.open(args[4], "r"))
      body = file:read("*a")
      file:close()
   end
   if args[5] then  -- another method than POST (bench budget: PUT a ballot)
      method = args[5]
   end
   local line_no = 0
   for line in io.lines(path) do
      if line_no % nthreads == id and #line > 0 then
         tokens[#tokens + 1] = line
      end
      line_no = line_no + 1
   end
   share = #tokens
   if share == 0 then
      error("no tokens for thread " .. id .. " in " .. path)
   end
end

function request()
   sent = sent + 1
   if sent > share then
      reused = reused + 1
   end
   local headers = {
      ["Host"] = host,
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. tokens[(sent - 1) % share + 1],
   }
   return wrk.format(method, nil, headers, body)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local counts = {}
   local total_reused = 0
   local total_share = 0
   for _, thread in ipairs(threads) do
      local per = thread:get("statuses")
      for status, n in pairs(per) do
         counts[status] = (counts[status] or 0) + n
      end
      total_reused = total_reused + thread:get("reused")
      total_share = total_share + thread:get("share")
   end
   local parts = {}
   for status, n in pairs(counts) do
      parts[#parts + 1] = string.format('"%d":%d', status, n)
   end
   local e = summary.errors
   io.write(string.format(
      'VOTE_WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,'
         .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,'
         .. '"statuses":{%s},"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
         .. '"timeouts":%d,"tokens":%d,"tokens_reused":%d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean,
      table.concat(parts, ","), e.connect, e.read, e.write, e.timeout,
      total_share, total_reused
   ))
end
