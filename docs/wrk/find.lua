-- wrk script: GET /v1/people?email= over the people of `vern bench people-csv`.
-- VERN_TOKEN=$(cat DATA/admin-token) wrk -t2 -c16 -d10s -s docs/wrk/find.lua http://127.0.0.1:18083
wrk.headers["Authorization"] = "Bearer " .. os.getenv("VERN_TOKEN")
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/people?email=person-" .. (n % 10000) .. "%40example.test")
end
