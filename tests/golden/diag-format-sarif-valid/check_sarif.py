#!/usr/bin/env python3
# Check a SARIF log against what SARIF 2.1.0 (OASIS standard, errata 01)
# requires of the objects leadc writes.  No schema file is at hand (no
# network), so the rules of the standard's schema that apply are written
# out here: required properties, types, enumerations, index consistency,
# URI syntax, and no property the standard does not define for the object.
#   usage: check_sarif.py < log.sarif     prints "ok: N results" or the problems
import json
import re
import sys

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def obj(v, where, required=(), allowed=None):
    if not isinstance(v, dict):
        bad(where, "not an object")
        return False
    for k in required:
        if k not in v:
            bad(where, "missing required property '%s'" % k)
    if allowed is not None:
        for k in v:
            if k not in allowed:
                bad(where, "property '%s' is not defined for this object" % k)
    return True


def integer(v, where, minimum):
    if not isinstance(v, int) or isinstance(v, bool):
        bad(where, "not an integer: %r" % (v,))
    elif v < minimum:
        bad(where, "%d is below the minimum %d" % (v, minimum))


def string(v, where):
    if not isinstance(v, str):
        bad(where, "not a string: %r" % (v,))
        return False
    return True


# RFC 3986 URI-reference: only these characters, and % only as %XX
URI_CHARS = re.compile(r"^([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


def uri(v, where):
    if string(v, where) and not URI_CHARS.match(v):
        bad(where, "not a valid URI reference: %r" % v)


def message(v, where):
    if obj(v, where, (), {"text", "markdown", "id", "arguments", "properties"}):
        if "text" not in v and "id" not in v:
            bad(where, "a message needs 'text' or 'id'")
        if "text" in v:
            string(v["text"], where + ".text")


def region(v, where):
    if not obj(v, where, (), {"startLine", "startColumn", "endLine", "endColumn", "charOffset",
                              "charLength", "byteOffset", "byteLength", "snippet", "message",
                              "sourceLanguage", "properties"}):
        return
    if "startLine" not in v:
        bad(where, "a text region needs startLine")
        return
    for k in ("startLine", "startColumn", "endLine", "endColumn"):
        if k in v:
            integer(v[k], where + "." + k, 1)
    sl, el = v.get("startLine", 1), v.get("endLine", v.get("startLine", 1))
    if isinstance(sl, int) and isinstance(el, int):
        if el < sl:
            bad(where, "endLine before startLine")
        elif el == sl and v.get("endColumn", 10**9) < v.get("startColumn", 1):
            bad(where, "endColumn before startColumn on one line")


def location(v, where, related=False):
    allowed = {"id", "physicalLocation", "logicalLocations", "message", "annotations",
               "relationships", "properties"}
    if not obj(v, where, (), allowed):
        return
    if "id" in v:
        integer(v["id"], where + ".id", -1)
    if "message" in v:
        message(v["message"], where + ".message")
    pl = v.get("physicalLocation")
    if pl is None:
        bad(where, "leadc's locations are physical")
        return
    if obj(pl, where + ".physicalLocation", ("artifactLocation",),
           {"address", "artifactLocation", "region", "contextRegion", "properties"}):
        al = pl["artifactLocation"] if "artifactLocation" in pl else {}
        if obj(al, where + ".artifactLocation", ("uri",),
               {"uri", "uriBaseId", "index", "description", "properties"}):
            uri(al.get("uri"), where + ".artifactLocation.uri")
        if "region" in pl:
            region(pl["region"], where + ".region")


LEVELS = {"none", "note", "warning", "error"}


def check(log):
    if not obj(log, "sarifLog", ("version", "runs"),
               {"$schema", "version", "runs", "inlineExternalProperties", "properties"}):
        return 0
    if log.get("version") != "2.1.0":
        bad("sarifLog.version", "must be \"2.1.0\"")
    if "$schema" in log:
        uri(log["$schema"], "sarifLog.$schema")
    runs = log.get("runs")
    if not isinstance(runs, list):
        bad("sarifLog.runs", "not an array")
        return 0
    count = 0
    for ri, run in enumerate(runs):
        w = "runs[%d]" % ri
        if not obj(run, w, ("tool",), {"tool", "results", "columnKind", "invocations", "artifacts",
                                       "originalUriBaseIds", "properties", "language"}):
            continue
        if "columnKind" in run and run["columnKind"] not in ("utf16CodeUnits", "unicodeCodePoints"):
            bad(w + ".columnKind", "not utf16CodeUnits or unicodeCodePoints")
        tool = run["tool"] if "tool" in run else {}
        obj(tool, w + ".tool", ("driver",), {"driver", "extensions", "properties"})
        drv = tool.get("driver", {})
        obj(drv, w + ".tool.driver", ("name",), {"name", "version", "semanticVersion", "informationUri",
                                                  "rules", "fullName", "organization", "properties"})
        string(drv.get("name"), w + ".tool.driver.name")
        if "informationUri" in drv:
            uri(drv["informationUri"], w + ".tool.driver.informationUri")
        rules = drv.get("rules", [])
        ids = []
        for k, rule in enumerate(rules):
            rw = "%s.tool.driver.rules[%d]" % (w, k)
            if obj(rule, rw, ("id",), {"id", "name", "shortDescription", "fullDescription", "help",
                                        "helpUri", "defaultConfiguration", "properties"}):
                string(rule.get("id"), rw + ".id")
                ids.append(rule.get("id"))
                for m in ("shortDescription", "fullDescription"):
                    if m in rule and obj(rule[m], rw + "." + m, ("text",), {"text", "markdown", "properties"}):
                        string(rule[m]["text"], rw + "." + m + ".text")
                dc = rule.get("defaultConfiguration")
                if dc is not None and obj(dc, rw + ".defaultConfiguration", (),
                                          {"enabled", "level", "rank", "parameters", "properties"}):
                    if dc.get("level", "warning") not in LEVELS:
                        bad(rw + ".defaultConfiguration.level", "not a level")
        if len(set(ids)) != len(ids):
            bad(w + ".tool.driver.rules", "two rules with one id")
        results = run.get("results")
        if not isinstance(results, list):
            bad(w + ".results", "leadc always writes results, an array")
            continue
        for k, res in enumerate(results):
            rw = "%s.results[%d]" % (w, k)
            count += 1
            if not obj(res, rw, ("message",), {"ruleId", "ruleIndex", "rule", "kind", "level", "message",
                                                "locations", "relatedLocations", "partialFingerprints",
                                                "fingerprints", "properties"}):
                continue
            message(res["message"], rw + ".message")
            if res.get("level", "warning") not in LEVELS:
                bad(rw + ".level", "not a level")
            if "ruleIndex" in res:
                integer(res["ruleIndex"], rw + ".ruleIndex", -1)
                ix = res["ruleIndex"]
                if isinstance(ix, int) and ix >= 0:
                    if ix >= len(ids):
                        bad(rw + ".ruleIndex", "no rule at index %d" % ix)
                    elif "ruleId" in res and ids[ix] != res["ruleId"]:
                        bad(rw + ".ruleIndex", "rule %d is %r, not %r" % (ix, ids[ix], res["ruleId"]))
            if "ruleId" in res:
                string(res["ruleId"], rw + ".ruleId")
            locs = res.get("locations", [])
            if not locs:
                bad(rw + ".locations", "leadc's results each have a location")
            for j, loc in enumerate(locs):
                location(loc, "%s.locations[%d]" % (rw, j))
            rel = res.get("relatedLocations", [])
            seen = set()
            for j, loc in enumerate(rel):
                location(loc, "%s.relatedLocations[%d]" % (rw, j), True)
                if isinstance(loc, dict) and "id" in loc:
                    if loc["id"] in seen:
                        bad("%s.relatedLocations[%d]" % (rw, j), "two related locations with one id")
                    seen.add(loc["id"])
    return count


text = sys.stdin.read()
try:
    doc = json.loads(text)
except ValueError as e:
    print("not JSON: %s" % e)
    sys.exit(1)
if text.count("\n") != 1 or not text.endswith("\n"):
    problems.append("the log is not one line ending in a newline")
n = check(doc)
for p in problems:
    print(p)
if problems:
    sys.exit(1)
print("ok: %d result%s" % (n, "" if n == 1 else "s"))
