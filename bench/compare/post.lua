-- wrk script: POSTs the JSON body in the file named by the environment variable FINMART_BODY.
local file = assert(io.open(os.getenv("FINMART_BODY"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
