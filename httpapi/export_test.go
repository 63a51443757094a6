package httpapi

// RouteQuery is routeQuery, for TestQueryParametersAreDocumented.
var RouteQuery = routeQuery
