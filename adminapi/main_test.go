// The admin API's tests run a whole server (internal/testserver) and talk to
// it as browsers and scripts do, on SQLite and PostgreSQL.
package adminapi_test

import "context"

var ctx = context.Background()
