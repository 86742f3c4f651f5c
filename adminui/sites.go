package adminui

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/canopy-cms/canopy"
)

// adminURLOf is a site's admin address, on the scheme and (for sites that
// name none) the port this request came in on.
func adminURLOf(r *http.Request, s *canopy.Site) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := s.Hostname
	switch _, reqPort, _ := canopy.ParseHostHeader(r.Host); {
	case s.Port != 80 && s.Port != 443:
		host += ":" + strconv.Itoa(s.Port)
	case reqPort != 0 && reqPort != 80 && reqPort != 443:
		// A site on the standard port, served here on another one (a
		// development server): the same port reaches it.
		host += ":" + strconv.Itoa(reqPort)
	}
	return scheme + "://" + host + "/admin/"
}

func sortSites(s []mySite) {
	sort.Slice(s, func(i, j int) bool { return strings.ToLower(s[i].Name) < strings.ToLower(s[j].Name) })
}
