package escotest

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const pythonSkill = "/skill/skill:ccd0a1d9-afda-43d9-b901-96344886e14d"

// get sends method to s's base URL plus target and returns the status and
// body.
func get(t *testing.T, s *Server, method, target string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return resp.StatusCode, body
}

func TestEveryRecordingIsServed(t *testing.T) {
	s := New(t)
	dir, err := findRecordings()
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.entries) != files || files < 80 {
		t.Fatalf("indexed %d recordings, want all %d", len(s.entries), files)
	}

	for _, e := range s.entries {
		t.Run(e.name, func(t *testing.T) {
			q := url.Values{}
			for k, vs := range e.params {
				q[k] = vs
			}
			if e.version != "" {
				q.Set("selectedVersion", e.version)
			}
			target := e.path
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			want := s.find(e.method, e.path, q)
			if want == nil {
				t.Fatalf("%s %s finds no recording", e.method, target)
			}
			if want != e && !(want.method == e.method && want.path == e.path && sameValues(want.params, e.params)) {
				t.Fatalf("%s %s finds %s", e.method, target, want.name)
			}
			status, body := get(t, s, e.method, target)
			if status != want.status || !bytes.Equal(body, want.body) {
				t.Errorf("%s %s = %d, %d bytes; want %d, %d bytes of %s", e.method, target, status, len(body), want.status, len(want.body), want.name)
			}
			if bytes.Contains(body, []byte("https://ec.europa.eu/esco/open-api")) {
				t.Errorf("%s still names ESCO's base URL", e.name)
			}
		})
	}
}

func TestMatching(t *testing.T) {
	s := New(t)
	inScheme := url.QueryEscape("http://data.europa.eu/esco/concept-scheme/skills")
	tests := []struct {
		target string
		want   string // recording; "" for the fake's own 404
	}{
		{"/search?text=python&type=skill&language=en&limit=20&offset=0", "search/SearchGetTest/get_skills.json"},
		{"/search?offset=0&type=skill&text=python", "search/SearchGetTest/get_skills.json"},
		{"/search?text=data&type=skill&limit=5&offset=5&language=en", "search/SearchGetTest/get_page2.json"},
		{"/search?text=nurse&type=occupation&limit=5", "search/SearchGetTest/get_occupations.json"},
		{"/search?text=programming&hasLabel=altLabel&hasLabel=prefLabel", "search/SearchGetTest/get_with_hasLabel.json"},
		{"/search?text=python&type=occupation", ""},
		{pythonSkill + "?language=pt", "resource/SkillGetTest/skill_pt.json"},
		{pythonSkill + "?language=en&selectedVersion=v1.2.1", "resource/SkillGetTest/skill_en.json"},
		{pythonSkill, "resource/SkillGetTest/skill_en.json"},
		{pythonSkill + "?selectedVersion=v1.0.9", ""},
		{pythonSkill + "/history?fullHistory=true", "history/HistoryTest/skill_history_full.json"},
		{pythonSkill + "/history", "history/HistoryTest/skill_history.json"},
		{"/concept-scheme/concept-scheme:skills?language=pt", "resource/ConceptSchemeGetTest/concept_scheme_pt.json"},
		{"/skill-list/by-scheme?inScheme=" + inScheme + "&limit=5", "list/ListBySchemeTest/skill_by_scheme.json"},
		{"/skill-list/by-scheme?inScheme=" + inScheme + "&limit=0", "error/ErrorHandlingTest/by_scheme_invalid_limit.json"},
		{"/skill-list/by-scheme", "error/ErrorHandlingTest/by_scheme_missing_inScheme.json"},
		{"/search?text=python&type=invalid", "error/ErrorHandlingTest/search_invalid_type.json"},
		{"/skill/skill:00000000-0000-0000-0000-000000000000?language=en", "error/ErrorHandlingTest/skill_not_found.json"},
		{"/concept/isco:C9999", "error/ErrorHandlingTest/concept_not_found.json"},
		{"/config-info/default-version", "config/ConfigInfoTest/default_version.json"},
		{"/nothing/here", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, body := get(t, s, http.MethodGet, tt.target)
			if tt.want == "" {
				var e struct {
					Status  int    `json:"status"`
					Message string `json:"message"`
				}
				if status != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Status != 404 || e.Message == "" {
					t.Errorf("got %d %s, want an ESCO-like 404", status, body)
				}
				return
			}
			want := s.byName[tt.want]
			if status != want.status || !bytes.Equal(body, want.body) {
				t.Errorf("got %d and %d bytes, want %d and the %d bytes of %s", status, len(body), want.status, len(want.body), tt.want)
			}
		})
	}

	if status, _ := get(t, s, http.MethodPost, "/api/search"); status != http.StatusInternalServerError {
		t.Errorf("POST /api/search = %d, want ESCO's recorded 500", status)
	}
	status, _ := get(t, s, http.MethodGet, "/../search?text=python&type=skill")
	if status != http.StatusNotFound {
		t.Errorf("a path outside the base = %d, want 404", status)
	}
}

func TestRewritesBaseURL(t *testing.T) {
	s := New(t)
	_, body := get(t, s, http.MethodGet, "/search?text=python&type=skill")
	var page struct {
		Links struct {
			Self struct {
				Href string `json:"href"`
			} `json:"self"`
		} `json:"_links"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	if want := s.URL() + "/search?"; !strings.HasPrefix(page.Links.Self.Href, want) {
		t.Errorf("self link %q, want it under %s", page.Links.Self.Href, want)
	}
}

func TestMisbehaviour(t *testing.T) {
	const skills = "/search?text=python&type=skill"

	t.Run("Fail", func(t *testing.T) {
		s := New(t)
		s.Fail(2, http.StatusServiceUnavailable)
		for i := range 2 {
			if status, _ := get(t, s, http.MethodGet, skills); status != http.StatusServiceUnavailable {
				t.Errorf("request %d = %d, want 503", i+1, status)
			}
		}
		if status, _ := get(t, s, http.MethodGet, skills); status != http.StatusOK {
			t.Errorf("third request = %d, want 200", status)
		}
	})

	t.Run("Fail429", func(t *testing.T) {
		s := New(t)
		s.Fail(1, http.StatusTooManyRequests)
		resp, err := http.Get(s.URL() + skills)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
			t.Errorf("got %d with Retry-After %q, want 429 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})

	t.Run("Respond", func(t *testing.T) {
		s := New(t)
		s.Respond(t, 1, "error/ErrorHandlingTest/by_scheme_invalid_offset.json")
		if status, body := get(t, s, http.MethodGet, skills); status != 422 || !bytes.Contains(body, []byte("offset")) {
			t.Errorf("got %d %s, want the recorded 422", status, body)
		}
		if status, _ := get(t, s, http.MethodGet, skills); status != http.StatusOK {
			t.Errorf("after the replay got %d, want 200", status)
		}
	})

	t.Run("DownUp", func(t *testing.T) {
		s := New(t)
		s.Down()
		client := &http.Client{Timeout: 5 * time.Second}
		if resp, err := client.Get(s.URL() + skills); err == nil {
			resp.Body.Close()
			t.Fatalf("server down answered %d", resp.StatusCode)
		}
		s.Up()
		resp, err := client.Get(s.URL() + skills)
		if err != nil {
			t.Fatalf("server up: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("server up answered %d", resp.StatusCode)
		}
	})

	t.Run("Delay", func(t *testing.T) {
		s := New(t)
		s.Delay(150 * time.Millisecond)
		start := time.Now()
		get(t, s, http.MethodGet, skills)
		if took := time.Since(start); took < 150*time.Millisecond {
			t.Errorf("answered after %v, want at least 150ms", took)
		}
	})

	t.Run("Requests", func(t *testing.T) {
		s := New(t)
		before := time.Now()
		req, _ := http.NewRequest(http.MethodGet, s.URL()+skills, nil)
		req.Header.Set("User-Agent", "escotest-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := s.Requests()
		if len(got) != 1 {
			t.Fatalf("Requests() has %d requests, want 1", len(got))
		}
		r := got[0]
		if r.UserAgent() != "escotest-test" || r.URL.Query().Get("text") != "python" {
			t.Errorf("recorded request: User-Agent %q, query %q", r.UserAgent(), r.URL.RawQuery)
		}
		if at := ReceivedAt(r); at.Before(before) || at.After(time.Now()) {
			t.Errorf("ReceivedAt = %v, want between %v and now", at, before)
		}
	})
}

func TestClassic(t *testing.T) {
	s := NewClassic(t)
	if !strings.HasSuffix(s.URL(), ClassicAPIPath) {
		t.Fatalf("URL() = %s, want it to end in %s", s.URL(), ClassicAPIPath)
	}

	status, body := get(t, s, http.MethodGet, "/search?text=python&type=skill&language=en&full=true")
	var page struct {
		Total    int `json:"total"`
		Embedded struct {
			Results []struct {
				URI         string                       `json:"uri"`
				ClassID     string                       `json:"classId"`
				Description map[string]map[string]string `json:"description"`
			} `json:"results"`
		} `json:"_embedded"`
	}
	if status != http.StatusOK {
		t.Fatalf("search = %d %s", status, body)
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("search answer is not in the classic layout: %v", err)
	}
	if len(page.Embedded.Results) != 2 || page.Embedded.Results[0].ClassID == "" ||
		page.Embedded.Results[0].Description["en"]["literal"] == "" {
		t.Errorf("classic search answer = %+v", page)
	}

	uri := url.QueryEscape("http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d")
	status, body = get(t, s, http.MethodGet, "/resource/skill?uri="+uri+"&language=pt")
	var res struct {
		Title       string                       `json:"title"`
		Description map[string]map[string]string `json:"description"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &res) != nil {
		t.Fatalf("resource = %d %s", status, body)
	}
	if res.Title != "Python (programação informática)" || !strings.Contains(res.Description["pt"]["literal"], "Python") {
		t.Errorf("classic resource = %+v", res)
	}

	scheme := url.QueryEscape("http://data.europa.eu/esco/concept-scheme/skills")
	if status, _ := get(t, s, http.MethodGet, "/resource/taxonomy?uri="+scheme); status != http.StatusOK {
		t.Errorf("resource/taxonomy = %d, want 200", status)
	}

	missing := url.QueryEscape("http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000")
	status, body = get(t, s, http.MethodGet, "/resource/skill?uri="+missing)
	var e struct {
		Logref  string `json:"logref"`
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	if status != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e.Status != 404 ||
		!strings.HasPrefix(e.Message, "Skill not found") {
		t.Errorf("missing resource = %d %s, want the recorded 404 in the classic layout", status, body)
	}
	if status, _ := get(t, s, http.MethodGet, "/resource/taxonom?uri="+scheme); status != http.StatusBadRequest {
		t.Errorf("unknown resource type = %d, want 400", status)
	}
}

func TestFindRecordingsFromWorkingDirectory(t *testing.T) {
	dir, err := findRecordings()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "search", "SearchGetTest", "get_skills.json")); err != nil {
		t.Errorf("recordings at %s lack get_skills.json: %v", dir, err)
	}
}
