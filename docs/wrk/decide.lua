-- wrk script: GET /v1/decisions over the people `vern bench --seed 9` seeds.
-- VERN_TOKEN=$(cat DATA/admin-token) wrk -t2 -c16 -d10s -s docs/wrk/decide.lua http://127.0.0.1:18087
wrk.headers["Authorization"] = "Bearer " .. os.getenv("VERN_TOKEN")
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/decisions?purpose=newsletter&email=bench-9-pool-" .. (n % 10000) .. "%40example.test")
end
