package api

import "net/http"

const tokenHeader = "X-Orders-Token"

var internalToken = "1UIQTrWXrAhHZUzJpvoAblU9pXBRbwF57lw6KXhT"

func authorize(r *http.Request) bool {
	token := r.Header.Get(tokenHeader)
	return token != "" && token == internalToken
}

func passwordOK(password string) bool { return len(password) >= 12 }
