vcl 4.1;

# The shared HTTP cache in front of the status page (Varnish 7.1, Debian bookworm:
# `apt-get install varnish varnish-modules`; run e.g.
# `varnishd -a :6081 -f /etc/varnish/default.vcl -s malloc,256m`).
#
# The origin decides what is cacheable and for how long; this file keeps that contract:
# - Public answers (`Cache-Control: public, max-age=5, s-maxage=300, stale-while-revalidate=30,
#   stale-if-error=86400`) are kept `s-maxage` seconds, then refreshed in the background for
#   30 s (stale-while-revalidate) or, while the origin fails, served stale for up to a day
#   (stale-if-error).
# - Every public change is purged at once: the origin's worker sends `PURGE /` with the
#   surrogate keys to drop in `xkey-purge` (the answers name theirs in `xkey`), see
#   CACHE_PURGE_URLS in the origin's settings.
# - Public pages are the same for everyone: their requests lose their cookies, so one object
#   per page and language serves every reader. What belongs to one person (the admin, the
#   management API, the language switch, webhooks, any write) passes, cookies and all.
# - `/` is the English page or a redirect to the reader's language: decided here exactly as the
#   origin decides it (incidents.languages.root_language), before the cookies are dropped.
# - Misses are coalesced: a herd of readers of a cold or purged page costs one origin render.
#
# Answers carry `X-Cache: HIT` (from the cache, fresh or stale), `MISS` (fetched for this
# request) or `PASS` (never cached); the origin's own X-Cache is replaced.

import std;
import xkey;

# The origin: gunicorn. Operators (and the tests) edit `.host` and `.port`.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 10s;
    # The probe asks for /healthz with `Host: <.host>`; when ALLOWED_HOSTS does not list that
    # address, name one of its hosts here, or the origin answers 400 and is taken for down:
    # .host_header = "status.example.com";
    .probe = {
        .url = "/healthz";
        .interval = 1s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        # Healthy from the start: a failed fetch still falls back to the stale copy.
        .initial = 2;
    }
}

# Who may purge: the hosts that run the origin's worker (and gunicorn). Operators add theirs.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.restarts == 0) {
        # Headers of this file's own, never a client's.
        unset req.http.X-Edge-Language;
        unset req.http.X-Edge-Lookup;
        unset req.http.X-Edge-Stale;
        unset req.http.X-Edge-AL;
        unset req.http.X-Edge-Purged;
    }
    # A client must not choose the host or scheme the origin builds its links with: the host
    # is part of the cache key, the forwarded host never reaches the origin, and the scheme is
    # only "https" or absent, and part of the key too. (A TLS terminator in front of Varnish
    # sets X-Forwarded-Proto, replacing the client's; the origin trusts it.)
    unset req.http.X-Forwarded-Host;
    unset req.http.Forwarded;
    if (req.http.X-Forwarded-Proto && req.http.X-Forwarded-Proto != "https") {
        unset req.http.X-Forwarded-Proto;
    }
    if (req.http.Host) {
        set req.http.Host = std.tolower(req.http.Host);
    }
    if (req.url ~ "^[a-zA-Z][a-zA-Z0-9+.-]*://") {
        set req.url = regsub(req.url, "^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "");
    }

    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Hard purge: the objects are gone, the next reader gets a fresh render.
        if (req.http.xkey-purge) {
            set req.http.X-Edge-Purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.Surrogate-Key) {
            set req.http.X-Edge-Purged = xkey.purge(req.http.Surrogate-Key);
        } else {
            return (synth(400, "No xkey-purge header"));
        }
        return (synth(200, "Purged " + req.http.X-Edge-Purged));
    }
    if (req.method !~ "^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$") {
        return (synth(405, "Method Not Allowed"));
    }

    # Passed, with their cookies and credentials: writes, the admin and the staff's editor,
    # the management API (with keys), the language switch (it sets the language cookie),
    # webhooks, and the health check (the truth about the origin, now).
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization
        || req.url ~ "^/(admin|api/v1|language|hooks|markdownx)(/|\?|$)"
        || req.url ~ "^/healthz(\?|$)"
        || req.url ~ "[?&]api_key=") {
        return (pass);
    }

    # A public page. `/` first: English, or the reader's language (which reads the language
    # cookie: before the cookies go).
    if (req.url ~ "^/(\?|$)") {
        call root_language;
        if (req.http.X-Edge-Language == "pass") {
            return (pass);
        }
        if (req.http.X-Edge-Language != "en") {
            return (synth(752, "Found"));
        }
        # What the origin is asked for on a miss: the English page.
        set req.http.Accept-Language = "en";
    } else {
        # Every other page's language is its address's (/it/..., /pt-br/...).
        unset req.http.Accept-Language;
    }
    unset req.http.Cookie;

    # The compressed copy or the plain one: two variants at most (Vary: Accept-Encoding).
    if (req.http.Accept-Encoding ~ "(?i)(^|,)\s*gzip\s*(,|$|;\s*q=(1|0?\.0*[1-9]))") {
        set req.http.Accept-Encoding = "gzip";
    } else {
        unset req.http.Accept-Encoding;
    }

    # Fresh copies, then stale-while-revalidate (30 s, as the origin's answers say) with a
    # refresh in the background; beyond that a healthy origin is asked while the reader waits.
    # While the origin is down (the probe fails) or a fetch just failed (X-Edge-Stale: the
    # request restarted), any copy within its grace (stale-if-error, a day) is served.
    if (!req.http.X-Edge-Stale && std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    } else {
        set req.grace = 365d;  # no limit but each copy's own grace
    }
    set req.http.X-Edge-Lookup = "1";
    return (hash);
}

# The language `/` is for (req.http.X-Edge-Language): a code of the site, or "pass" when the
# origin must decide (a header this file does not read the way the origin does). As the origin:
# the language cookie when it names a language of the site; else the first language of the site
# in the browser's Accept-Language, in order of preference (q, then order), a `*` or a malformed
# header meaning English; English by default.
sub root_language {
    if (req.http.Cookie ~ "django_language") {
        # The last value given wins, as Django reads cookies.
        set req.http.X-Edge-Language = regsub(req.http.Cookie,
            {"^(?:.*;)?\s*django_language\s*=\s*"?([^;"]*)"?\s*(?:;.*)?$"}, "\1");
        if (req.http.X-Edge-Language ~ "^(en|it|de|es|fr|ja|pt-br)$") {
            return;
        }
        # Not a language of the site (or not read as the origin reads it): it decides.
        set req.http.X-Edge-Language = "pass";
        return;
    }

    # No language of the site but English (a browser in English, `*`, nothing, garbage).
    if (req.http.Accept-Language !~ "(?i)(^|,)\s*(it|de|es|fr|ja|pt)(-|;|,|\s|$)") {
        set req.http.X-Edge-Language = "en";
        return;
    }
    # Django's grammar for the header, and the length it reads whole; anything else: the
    # origin decides.
    if (req.http.Accept-Language ~ "^.{501}"
        || req.http.Accept-Language !~ "(?i)^(?:(?:[a-z]{1,8}(?:-[a-z0-9]{1,8})*|\*)(?:\s*;\s*q=(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?(?:\s*,\s*|$))+$") {
        set req.http.X-Edge-Language = "pass";
        return;
    }
    # Most browsers: a first entry of the site's, of the highest preference (q=1, the default).
    if (req.http.Accept-Language ~ "(?i)^(?:\*|(?:en|it|de|es|fr|ja|pt)(?:-[a-z0-9]{1,8})*)\s*(?:;\s*q=1(?:\.0{0,3})?)?\s*(?:,|$)") {
        set req.http.X-Edge-Language = std.tolower(regsub(req.http.Accept-Language, "^(\*|[a-zA-Z]+).*$", "\1"));
        if (req.http.X-Edge-Language == "pt") {
            set req.http.X-Edge-Language = "pt-br";
        } elsif (req.http.X-Edge-Language == "*") {
            set req.http.X-Edge-Language = "en";
        }
        return;
    }
    set req.http.X-Edge-AL = std.tolower(regsuball(req.http.Accept-Language, "\s*([,;])\s*", "\1"));
    # Each entry becomes "<code>;q=<4 digits>," with code a language of the site ("*" is
    # English: the origin stops there), the others dropped.
    set req.http.X-Edge-AL = regsub(req.http.X-Edge-AL, ",?$", ",");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, "(?<=^|,)([a-z0-9*-]+)(?=,)", "\1;q=1");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, ";q=1(?:\.0*)?,", ";q=1000,");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, ";q=0\.?,", ";q=0000,");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, ";q=0\.([0-9]),", ";q=0\100,");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, ";q=0\.([0-9]{2}),", ";q=0\10,");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, ";q=0\.([0-9]{3}),", ";q=0\1,");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, "(?<=^|,)(?:en(?:-[a-z0-9-]*)?|\*);", "en;");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, "(?<=^|,)(it|de|es|fr|ja)-[a-z0-9-]*;", "\1;");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL, "(?<=^|,)pt(?:-[a-z0-9-]*)?;", "pt-br;");
    set req.http.X-Edge-AL = regsuball(req.http.X-Edge-AL,
        "(?<=^|,)(?!(?:en|it|de|es|fr|ja|pt-br);)[a-z0-9-]+;q=[0-9]{4},", "");
    # Browsers list their languages most preferred first: the first entry is the one. When a
    # later entry is preferred to the one before it, the origin decides.
    if (req.http.X-Edge-AL ~ ";q=([0-9]*)(?:0[0-9]*,[a-z-]+;q=\1[1-9]|1[0-9]*,[a-z-]+;q=\1[2-9]|2[0-9]*,[a-z-]+;q=\1[3-9]|3[0-9]*,[a-z-]+;q=\1[4-9]|4[0-9]*,[a-z-]+;q=\1[5-9]|5[0-9]*,[a-z-]+;q=\1[6-9]|6[0-9]*,[a-z-]+;q=\1[7-9]|7[0-9]*,[a-z-]+;q=\1[89]|8[0-9]*,[a-z-]+;q=\1[9])") {
        set req.http.X-Edge-Language = "pass";
        return;
    }
    set req.http.X-Edge-Language = regsub(req.http.X-Edge-AL, "^([a-z-]+);.*$", "\1");
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.Host) {
        hash_data(req.http.Host);
    } else {
        hash_data(server.ip);
    }
    if (req.http.X-Forwarded-Proto) {
        hash_data(req.http.X-Forwarded-Proto);
    }
    return (lookup);
}

sub vcl_miss {
    # Restarted for a stale copy after a failed fetch, and there is none: the origin was just
    # tried, so it is not asked again.
    if (req.http.X-Edge-Stale) {
        return (synth(503, "Service Unavailable"));
    }
}

sub vcl_backend_fetch {
    unset bereq.http.X-Edge-Lookup;
    unset bereq.http.X-Edge-Language;
    unset bereq.http.X-Edge-Stale;
    unset bereq.http.X-Edge-AL;
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    # The origin failing: the copy in cache stays (a refresh in the background is dropped; a
    # reader waiting for it is restarted to be served the stale copy, see vcl_synth).
    if (beresp.status == 500 || beresp.status == 502 || beresp.status == 503
        || beresp.status == 504) {
        return (abandon);
    }
    if (!beresp.http.xkey && beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Only what the origin declares shareable is kept; the rest is fetched for each request
    # (a short hit-for-miss object, so that such requests do not queue behind each other).
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || beresp.http.Cache-Control !~ "(?i)(^|[,\s])(s-maxage|max-age)\s*=\s*[1-9]"
        || beresp.http.Vary == "*"
        || beresp.ttl <= 0s) {
        set beresp.uncacheable = true;
        set beresp.ttl = 5s;
        set beresp.grace = 0s;
        return (deliver);
    }
    # The TTL is Varnish's reading of s-maxage. Grace: stale-if-error (a day unless the origin
    # says otherwise); vcl_recv narrows it to stale-while-revalidate while the origin is up.
    set beresp.grace = 24h;
    if (beresp.http.Cache-Control ~ "(?i)stale-if-error\s*=\s*[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, "(?i)^.*stale-if-error\s*=\s*([0-9]+).*$", "\1s"),
            24h);
    }
    if (beresp.grace < 30s) {
        set beresp.grace = 30s;
    }
    return (deliver);
}

sub vcl_backend_error {
    # No answer from the origin (refused, timed out, marked down). For a lookup the reader is
    # restarted to be served the stale copy; a pass gets a plain 503.
    if (bereq.is_bgfetch || !bereq.uncacheable) {
        return (abandon);
    }
    set beresp.http.Content-Type = "text/plain; charset=utf-8";
    set beresp.http.Cache-Control = "no-store";
    set beresp.http.Retry-After = "5";
    synthetic("The site is unavailable at the moment. Please try again shortly." + {"
"});
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

sub vcl_synth {
    # A fetch for a cached page failed (the origin is down or erring): once more, for a stale
    # copy this time.
    if (resp.status == 503 && req.http.X-Edge-Lookup && !req.http.X-Edge-Stale
        && req.restarts == 0) {
        set req.http.X-Edge-Stale = "1";
        return (restart);
    }
    if (resp.status == 752) {
        # `/` for a reader of another language, as the origin answers it.
        set resp.status = 302;
        set resp.reason = "Found";
        set resp.http.Location = "/" + req.http.X-Edge-Language + "/";
        if (req.url ~ "\?.") {
            set resp.http.Location = resp.http.Location + regsub(req.url, "^[^?]*", "");
        }
        set resp.http.Cache-Control = "private, max-age=0";
        set resp.http.Content-Type = "text/html; charset=utf-8";
        synthetic("");
        return (deliver);
    }
    if (req.method == "PURGE" && resp.status == 200) {
        set resp.http.X-Purged = req.http.X-Edge-Purged;
    }
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.http.Cache-Control = "no-store";
    if (resp.status == 503) {
        set resp.http.Retry-After = "5";
    }
    synthetic("" + resp.status + " " + resp.reason + {"
"});
    return (deliver);
}
