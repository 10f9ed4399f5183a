// Command argocd-health runs an Argo CD resource health check (Lua) on Kubernetes objects the
// way Argo CD's util/lua does: gopher-lua with the base, table, string and math libraries, the
// object as the global `obj`, and the returned table read as {status, message}.
//
//	argocd-health SCRIPT.lua < objects.json   (a JSON array of objects)
//
// It prints a JSON array of {status, message}, one for each object. A status Argo CD does not
// know becomes Unknown, as there.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	lua "github.com/yuin/gopher-lua"
)

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

var known = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true}

// decodeValue converts a decoded JSON value to Lua as Argo CD's decodeValue does.
func decodeValue(l *lua.LState, value interface{}) lua.LValue {
	switch v := value.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case json.Number:
		f, _ := v.Float64()
		return lua.LNumber(f)
	case []interface{}:
		t := l.NewTable()
		for _, item := range v {
			t.Append(decodeValue(l, item))
		}
		return t
	case map[string]interface{}:
		t := l.NewTable()
		for k, item := range v {
			t.RawSetString(k, decodeValue(l, item))
		}
		return t
	}
	return lua.LNil
}

func run(script string, obj interface{}) (healthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		l.Push(l.NewFunction(lib.fn))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(script); err != nil {
		return healthStatus{}, err
	}
	t, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return healthStatus{}, fmt.Errorf("the script returned %s, not a table", l.Get(-1).Type())
	}
	hs := healthStatus{Status: lua.LVAsString(t.RawGetString("status")), Message: lua.LVAsString(t.RawGetString("message"))}
	if !known[hs.Status] {
		hs = healthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}
	}
	return hs, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: argocd-health SCRIPT.lua < objects.json")
		os.Exit(2)
	}
	script, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dec := json.NewDecoder(os.Stdin)
	dec.UseNumber()
	var objects []interface{}
	if err := dec.Decode(&objects); err != nil {
		fmt.Fprintln(os.Stderr, "objects:", err)
		os.Exit(1)
	}
	out := make([]healthStatus, 0, len(objects))
	for i, o := range objects {
		hs, err := run(string(script), o)
		if err != nil {
			fmt.Fprintf(os.Stderr, "object %d: %v\n", i, err)
			os.Exit(1)
		}
		out = append(out, hs)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
