-- wrk script: rotates through Chinese queries and filters typical of the search page, so the load is not
-- one cached query. Used by scripts/load.sh.
local paths = {
  "/api/v1/search?q=%E4%B8%93%E5%88%A9%E8%B4%B7",                       -- 专利贷
  "/api/v1/search?q=%E4%BF%A1%E7%94%A8%E8%B4%B7&collateral=none",       -- 信用贷, no collateral
  "/api/v1/search?q=%E7%A8%8E%E8%B4%B7&sort=rate",                      -- 税贷, lowest rate
  "/api/v1/search?q=%E9%A6%96%E8%B4%B7%20%E6%BB%A8%E6%B5%B7",           -- 首贷 滨海
  "/api/v1/search?family=credit&district=binhai&amount=100%E4%B8%87",  -- browse with filters
  "/api/v1/search?q=%E6%94%BF%E9%87%87%E8%B4%B7&page=2",                -- 政采贷, page 2
  "/api/v1/search?q=%E8%AE%BE%E5%A4%87%E8%9E%8D%E8%B5%84%E7%A7%9F%E8%B5%81", -- 设备融资租赁
  "/api/v1/search",                                                      -- browse all
}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
