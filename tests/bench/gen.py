#!/usr/bin/env python3
"""Messy CRM data of any size, for trying leadvm (and the benchmark programs).

  gen.py --rows N [--seed S] [--out contacts.csv]
         [--events events.csv] [--events-per-contact K]

Writes a contacts CSV (--out, default contacts.csv; '-' for standard output)
and, with --events, an activity events CSV for the same contacts.  Python 3
standard library only; the same arguments give byte-identical files.  Memory
stays flat whatever N is: rows are made and written a batch at a time.

This is the project's own generator and makes no checksum promise: the
benchmark's reference checksums are only for data from
../shared/bench/gen_contacts.py (see tests/bench/bench.py).  It writes the
same columns in the same order, so ../shared/bench/w1.lead and w2.lead (and
the peers in ../shared/bench/peers/) run over its files unchanged.

contacts: id,email,first_name,last_name,title,seniority,industry,
  annual_revenue,employees,country,state,source,created_at,last_activity_at,
  do_not_email,product_page_views_max_day,hv_downloads,webinars_attended,
  email_opens_30d
  The mess a real CRM export has:
  - blank cells (about 8 % of the non-id cells, more in state);
  - industry, source, seniority and country in odd casing, with stray
    spaces, plus near-misses ("Life Science", "USA");
  - titles with commas and with embedded double quotes (RFC 4180 quoting,
    "" escapes), nicknames in quotes ('Robert "Rob"');
  - UTF-8 names (accents, CJK, Cyrillic, Greek), ASCII-folded in emails;
  - padded numbers (" 42") and revenue with thousands separators
    ("12,500,000", quoted);
  - ids in increasing order with gaps (deleted contacts).
  No field holds a line break, so `wc -l` = rows + 1.

events: contact_id,type,category,asset_value,at
  Sorted by contact_id in the contacts' order, then by at (UTC,
  YYYY-MM-DDTHH:MM:SSZ, within one year).  K (default 20) is the mean number
  of events per contact; a few contacts have many, a fifth have none, and
  deleted contacts' events stay in the file (events without a record).
"""
import argparse
import math
import random
import sys
import unicodedata
from datetime import date, timedelta

BATCH = 10000
HEADER = ("id,email,first_name,last_name,title,seniority,industry,annual_revenue,employees,"
          "country,state,source,created_at,last_activity_at,do_not_email,"
          "product_page_views_max_day,hv_downloads,webinars_attended,email_opens_30d")
EVENTS_HEADER = "contact_id,type,category,asset_value,at"
BLANK = 0.065          # per non-id cell
DELETED = 0.004        # ids skipped in contacts.csv (their events remain)


def csvq(s):
    """Quote a cell the RFC 4180 way, only when it must be."""
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def table(pairs):
    """[(value, weight)] -> (values, cumulative weights) for random.choices."""
    vals, cum, acc = [], [], 0.0
    for v, w in pairs:
        acc += w
        vals.append(v)
        cum.append(acc)
    return vals, cum


def variants(word, weight, spellings=((1.0, None),)):
    """Spread a canonical value's weight over messy spellings of it."""
    out = []
    for share, how in spellings:
        if how is None:
            out.append((word, weight * share))
        else:
            out.append((how(word), weight * share))
    return out


TYPO = (  # how CRM users and import jobs spell a picklist value
    (0.78, None), (0.08, str.lower), (0.03, str.upper), (0.04, lambda s: s.capitalize()),
    (0.03, lambda s: " " + s), (0.03, lambda s: s + " "), (0.01, lambda s: s + "  "),
)

INDUSTRIES = [
    ("Life Sciences", 14), ("Biotechnology", 7), ("Pharmaceuticals", 7), ("Medical Devices", 5),
    ("Diagnostics", 3), ("Hospital & Health Care", 4), ("Contract Research", 3), ("Academia", 4),
    ("Government", 2), ("Software", 6), ("Information Technology", 4), ("Financial Services", 3),
    ("Manufacturing", 5), ("Chemicals", 4), ("Food & Beverage", 2), ("Agriculture", 2),
    ("Energy", 1), ("Retail", 1), ("Consulting", 2), ("Non-Profit", 1),
]
INDUSTRY_NEAR = [("Life Science", 1.0), ("LifeSciences", 0.4), ("Life-Sciences", 0.3),
                 ("Biotech", 2.0), ("Pharma", 2.0), ("Health, Wellness & Fitness", 0.6)]

SOURCES = [
    ("Price Request Form", 7), ("Webinar", 10), ("High-Value White Paper", 6), ("Trusted Referral", 4),
    ("Trade Show", 9), ("Cold List", 12), ("Organic Search", 12), ("Paid Social", 9),
    ("Partner", 4), ("Newsletter", 5), ("Chat", 2),
]
SOURCE_NEAR = [("High Value White Paper", 0.8), ("Price Request", 0.6), ("Referral", 1.0),
               ("webinar - on demand", 0.7), ("Web", 0.5)]

LEVELS = ["Staff", "Manager", "Director", "VP", "SVP", "C-Level"]
LEVEL_WEIGHTS = [36, 26, 16, 10, 4, 8]
LEVEL_SPELL = {  # never padded in these files, so trim rules do not matter for seniority
    "Staff": [("Staff", 94), ("staff", 6)],
    "Manager": [("Manager", 93), ("manager", 5), ("MANAGER", 2)],
    "Director": [("Director", 92), ("director", 6), ("DIRECTOR", 2)],
    "VP": [("VP", 86), ("vp", 8), ("Vp", 5), ("vP", 1)],
    "SVP": [("SVP", 93), ("svp", 5), ("Svp", 2)],
    "C-Level": [("C-Level", 82), ("c-level", 7), ("C-level", 8), ("C-LEVEL", 3)],
}

FUNCTIONS = ["Research", "R&D", "Clinical Development", "Regulatory Affairs", "Quality Control",
             "Manufacturing Sciences", "Business Development", "Procurement", "Lab Automation",
             "Computational Biology", "Operations", "Supply Chain", "Medical Affairs", "Data Science",
             "Process Engineering", "Analytical Development", "Drug Safety", "Finance", "IT", "Marketing"]
TITLES = {  # {f} = a function; weights within a level
    "C-Level": [("Chief Executive Officer", 3), ("Chief Scientific Officer", 3), ("Chief Technology Officer", 2),
                ("Chief Operating Officer", 2), ("Chief Medical Officer", 1), ("CEO", 3), ("CTO", 1),
                ("Founder, CEO", 1), ("President & CEO", 1), ("Co-founder", 1), ("Managing Director", 1)],
    "SVP": [("SVP, {f}", 3), ("Senior Vice President, {f}", 3), ("SVP {f}", 1), ("EVP, {f}", 1)],
    "VP": [("VP, {f}", 4), ("VP of {f}", 3), ("Vice President, {f}", 3), ("Vice President {f}", 1),
           ("vp {f}", 0.4), ("AVP, {f}", 0.6)],
    "Director": [("Director, {f}", 4), ("Director of {f}", 3), ("Senior Director, {f}", 2),
                 ("Head of {f}", 3), ("Associate Director, {f}", 2), ("Global Head, {f}", 0.7)],
    "Manager": [("{f} Manager", 4), ("Manager, {f}", 3), ("Lab Manager", 3), ("Senior Manager, {f}", 2),
                ("Team Lead, {f}", 1), ("Program Manager", 1), ("Principal Investigator", 1)],
    "Staff": [("Scientist", 4), ("Senior Scientist", 3), ("Research Associate", 4), ("Lab Technician", 3),
              ("{f} Specialist", 3), ("{f} Analyst", 2), ("Engineer II", 1), ("Postdoc", 2),
              ("PhD Student", 1), ("Buyer", 1), ("Coordinator, {f}", 1)],
}
ODD_TITLES = ['Director of "Special" Projects', '"Interim" VP, Research', 'Scientist ("Level 3")',
              'Head of Lab Ops, "North" Campus', 'The "Fixer", Operations', 'Manager, "QA/QC"']

# UTF-8 names: (as written, ASCII fold for the email; computed below)
FIRST_NAMES = ["Alice", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
               "Keiko", "Luca", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tara",
               "Umar", "Vera", "Wen", "Xavier", "Yara", "Zoe", "Amélie", "Björn", "Çağla", "Dörte",
               "Émile", "François", "Gökhan", "Håkon", "Íñigo", "Jiří", "Łukasz", "Mårten", "Noémie",
               "Øystein", "Paweł", "Réka", "Søren", "Tomáš", "Zoë", "Ángel", "Ðorđe", "Ülkü",
               "Анна", "Дмитрий", "Ελένη", "Γιώργος", "美咲", "翔太", "伟", "芳", "지훈", "서연",
               "Mary-Kate", "Jean-Pierre", "Ana Lucía", "Robert", "Katherine", "William", "Elizabeth",
               "Michael", "Margaret", "James", "Patricia", "Christopher", "Jennifer", "Daniel", "Susan"]
LAST_NAMES = ["Abbott", "Baker", "Chen", "Dubois", "Evans", "Fischer", "García", "Hansen", "Ivanova",
              "Jensen", "Kowalczyk", "López", "Müller", "Nakamura", "O'Neill", "Petrović", "Quintero",
              "Rossi", "Schäfer", "Tanaka", "Uçar", "van der Berg", "Wójcik", "Xu", "Yılmaz", "Zimmermann",
              "Åström", "Brontë", "Čapek", "Dvořák", "Fernández", "Gómez", "Håland", "Jäger", "Kühn",
              "Lindqvist", "MacLeod", "Núñez", "Øberg", "Pérez", "Ramírez", "Sørensen", "Thorsdóttir",
              "Смирнов", "Παπαδόπουλος", "佐藤", "鈴木", "王", "李", "김", "박", "D'Souza", "St. Clair",
              "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
              "Nguyen", "Patel", "Singh", "Kumar", "Ahmed", "Okafor", "Mensah", "de la Cruz", "Le Gall"]
NICKNAMES = {"Robert": "Rob", "Katherine": "Kate", "William": "Bill", "Elizabeth": "Liz", "Michael": "Mike",
             "Margaret": "Peggy", "James": "Jim", "Patricia": "Trish", "Christopher": "Chris",
             "Jennifer": "Jen", "Daniel": "Dan", "Susan": "Sue"}

FREEMAIL = [("gmail.com", 10), ("yahoo.com", 4), ("hotmail.com", 3), ("outlook.com", 3), ("icloud.com", 2),
            ("aol.com", 1), ("GMail.com", 0.3), ("Yahoo.COM", 0.2), ("proton.me", 0.6), ("gmx.net", 0.4),
            ("yahoo.fr", 0.3), ("mail.ru", 0.3), ("qq.com", 0.4)]
COMPANY_WORDS = ["astra", "boreal", "cellara", "dynagen", "evolve", "fluxion", "genexa", "halcyon", "inventa",
                 "juno", "kinetix", "lumina", "meridian", "nexora", "orbis", "protea", "quanta", "riboworks",
                 "sigma", "tessera", "ultragen", "veritas", "wavelength", "xenobio", "yotta", "zenith",
                 "apex", "biovia", "cortex", "delta", "emerald", "fermenta", "glyco", "helio", "isotope"]
COMPANY_TAILS = [("", 4), ("bio", 3), ("labs", 2), ("pharma", 2), ("tx", 1), ("-therapeutics", 1),
                 ("-group", 1), ("health", 1), ("systems", 1), ("analytics", 1)]
TLDS = [(".com", 12), (".io", 1.5), (".bio", 0.8), (".de", 1), (".co.uk", 1), (".fr", 0.6), (".ch", 0.6),
        (".org", 0.8), (".edu", 1.5), (".ac.uk", 0.4), (".jp", 0.4), (".cn", 0.3), (".com.au", 0.4)]

COUNTRIES = [("US", 33), ("CA", 7), ("GB", 9), ("DE", 8), ("FR", 5), ("CH", 3), ("NL", 3), ("SE", 2),
             ("DK", 1.5), ("IE", 1.5), ("ES", 2), ("IT", 2), ("IN", 5), ("JP", 4), ("CN", 3), ("KR", 2),
             ("SG", 1.5), ("AU", 3), ("BR", 2), ("MX", 1), ("IL", 1)]
COUNTRY_ODD = [("us", 0.8), ("Us", 0.2), ("ca", 0.3), ("USA", 0.6), ("United States", 0.4),
               ("Canada", 0.2), ("UK", 0.5), ("de", 0.2)]
REGIONS = {
    "US": [("CA", 14), ("MA", 11), ("NJ", 6), ("NY", 7), ("TX", 6), ("PA", 5), ("NC", 5), ("MD", 4),
           ("WA", 3), ("IL", 3), ("FL", 3), ("CO", 2), ("MN", 2), ("OH", 2), ("GA", 2), ("CT", 2),
           ("California", 0.4), ("Mass.", 0.3), ("ma", 0.3)],
    "CA": [("ON", 40), ("QC", 25), ("BC", 20), ("AB", 10), ("NS", 3), ("Ontario", 1), ("Québec", 1)],
    "GB": [("England", 8), ("Scotland", 2), ("Wales", 1)],
    "DE": [("BY", 3), ("BW", 3), ("BE", 2), ("HE", 2), ("NW", 2), ("Bayern", 0.5)],
    "CH": [("ZH", 3), ("BS", 3), ("VD", 1), ("GE", 1)],
    "JP": [("Tokyo", 4), ("Osaka", 2), ("Kanagawa", 1)],
    "IN": [("MH", 3), ("KA", 3), ("TS", 2), ("DL", 1)],
    "AU": [("NSW", 3), ("VIC", 3), ("QLD", 1)],
}

# counts: (value, weight); long tails so the thresholds in w1.lead/w2.lead
# are met by a minority of contacts
PAGE_VIEWS = [(str(k), w) for k, w in enumerate(
    [42, 19, 11, 8, 6, 4, 3, 2, 1.5, 1, 0.7, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.05, 0.05, 0.02, 0.02])]
HV_DOWNLOADS = [(str(k), w) for k, w in enumerate([62, 22, 9, 4, 2, 0.6, 0.3, 0.1])]
WEBINARS = [(str(k), w) for k, w in enumerate([55, 24, 11, 5, 3, 1, 0.6, 0.3, 0.1])]
OPENS = [(str(k), math.exp(-2.6) * 2.6 ** k / math.factorial(k) + (0.12 if k == 0 else 0))
         for k in range(22)]
BOOLS = [("false", 86), ("true", 8), ("FALSE", 2), ("TRUE", 1), ("False", 2), ("True", 1)]

EVENT_KINDS = [  # (type, weight, categories, asset values)
    ("page_view", 56, [("product", 42), ("pricing", 14), ("blog", 30), ("docs", 10), ("careers", 4)],
     [("", 85), ("low", 12), ("high", 3)]),
    ("email_open", 22, [("newsletter", 50), ("nurture", 35), ("product", 15)], [("", 100)]),
    ("download", 10, [("whitepaper", 40), ("case_study", 25), ("datasheet", 25), ("product", 10)],
     [("high", 36), ("low", 54), ("", 10)]),
    ("form_submit", 6, [("pricing", 30), ("contact", 40), ("demo", 30)], [("", 70), ("high", 20), ("low", 10)]),
    ("webinar_attended", 4, [("product", 60), ("education", 40)], [("", 80), ("high", 20)]),
    ("email_click", 2, [("newsletter", 60), ("nurture", 40)], [("", 100)]),
]


def ascii_fold(s):
    """Name -> email-safe ASCII letters (CJK and the like fold to nothing)."""
    s = unicodedata.normalize("NFKD", s.replace("ø", "o").replace("Ø", "O").replace("ł", "l")
                              .replace("Ł", "L").replace("đ", "d").replace("Đ", "D").replace("ß", "ss"))
    return "".join(c for c in s if c.isascii() and c.isalpha()).lower()


class Tables:
    def __init__(self):
        ind = []
        for v, w in INDUSTRIES:
            ind += variants(v, w, TYPO)
        self.industry = table([(csvq(v), w) for v, w in ind + INDUSTRY_NEAR])
        src = []
        for v, w in SOURCES:
            src += variants(v, w, TYPO)
        self.source = table([(csvq(v), w) for v, w in src + SOURCE_NEAR])
        self.level_spell = [table(LEVEL_SPELL[lv]) for lv in LEVELS]
        self.titles = []
        for lv in LEVELS:
            pairs = []
            for tpl, w in TITLES[lv]:
                if "{f}" in tpl:
                    pairs += [(csvq(tpl.format(f=f)), w / len(FUNCTIONS)) for f in FUNCTIONS]
                else:
                    pairs.append((csvq(tpl), w))
            self.titles.append(table(pairs))
        self.odd_titles = [csvq(t) for t in ODD_TITLES]
        self.first = [(csvq(n), ascii_fold(n), NICKNAMES.get(n)) for n in FIRST_NAMES]
        self.last = [(csvq(n), ascii_fold(n)) for n in LAST_NAMES]
        self.freemail = table(FREEMAIL)
        corp = [(w + t + d, wt * wd) for w in COMPANY_WORDS for t, wt in COMPANY_TAILS for d, wd in TLDS]
        self.corp = table(corp)
        self.country = table(COUNTRIES + COUNTRY_ODD)
        self.regions = {k: table([(csvq(v), w) for v, w in r]) for k, r in REGIONS.items()}
        self.page_views, self.hv = table(PAGE_VIEWS), table(HV_DOWNLOADS)
        self.webinars, self.opens = table(WEBINARS), table(OPENS)
        self.bools = table(BOOLS)
        d0 = date(2022, 6, 1)
        self.dates = [(d0 + timedelta(days=i)).isoformat() for i in range((date(2026, 10, 31) - d0).days + 1)]


def pick(rng, tab, k):
    return rng.choices(tab[0], cum_weights=tab[1], k=k)


def contact_ids(rows, seed):
    """The ids of the contacts that exist, in file order, and the deleted ones
    between them (whose events are kept): yields (id, deleted)."""
    rng = random.Random(seed * 7919 + 1)
    n, made = 0, 0
    while made < rows:
        n += 1
        if rng.random() < DELETED:
            yield n, True
        else:
            made += 1
            yield n, False


def gen_contacts(out, rows, seed):
    rng = random.Random(seed)
    rnd = rng.random
    T = Tables()
    ids = (i for i, deleted in contact_ids(rows, seed) if not deleted)
    lo, hi = math.log(2e5), math.log(8e10)
    ndates = len(T.dates)
    out.write(HEADER + "\n")
    done = 0
    while done < rows:
        b = min(BATCH, rows - done)
        lv = rng.choices(range(6), weights=LEVEL_WEIGHTS, k=b)
        ind, src, cty = pick(rng, T.industry, b), pick(rng, T.source, b), pick(rng, T.country, b)
        pv, hv = pick(rng, T.page_views, b), pick(rng, T.hv, b)
        web, opn, dne = pick(rng, T.webinars, b), pick(rng, T.opens, b), pick(rng, T.bools, b)
        rows_out = []
        for i in range(b):
            fq, fa, nick = T.first[int(rnd() * len(T.first))]
            lq, la = T.last[int(rnd() * len(T.last))]
            if nick and rnd() < 0.08:
                fq = csvq(f'{fq} "{nick}"')
            # email: the local part from the folded name, a corporate or free domain
            r = rnd()
            if not fa or not la:
                local = (fa or la or "user") + str(int(rnd() * 9000) + 100)
            elif r < 0.45:
                local = fa + "." + la
            elif r < 0.65:
                local = fa[0] + la
            elif r < 0.75:
                local = fa + "_" + la
            elif r < 0.85:
                local = fa + la[0]
            else:
                local = fa + "." + la + str(int(rnd() * 99))
            if rnd() < 0.03:
                local = local.capitalize()
            dom = pick(rng, T.freemail if rnd() < 0.22 else T.corp, 1)[0]
            email = local + "@" + dom
            # title: mostly matching the level, sometimes not (CRM data drifts)
            level = lv[i]
            r = rnd()
            if r < 0.005:
                title = T.odd_titles[int(rnd() * len(T.odd_titles))]
            else:
                tl = T.titles[level if r < 0.88 else int(rnd() * 6)]
                title = pick(rng, tl, 1)[0]
            sen = pick(rng, T.level_spell[level], 1)[0]
            rev = int(math.exp(lo + rnd() * (hi - lo)))
            emp = max(1, int(rev / (60000 + rnd() * 440000)))
            r = rnd()
            if r < 0.02:
                rev_s = '"{:,}"'.format(rev)
            elif r < 0.03:
                rev_s = " " + str(rev)
            else:
                rev_s = str(rev)
            ct = cty[i]
            canon = {"USA": "US", "United States": "US", "Canada": "CA", "UK": "GB"}.get(ct, ct.upper())
            reg = T.regions.get(canon)
            state = pick(rng, reg, 1)[0] if reg and rnd() < 0.93 else ""
            c = int(rnd() * ndates)
            created, last = T.dates[c], T.dates[c + int(rnd() * (ndates - c))]
            row = [str(next(ids)), email, fq, lq, title, sen, ind[i], rev_s, str(emp), ct, state, src[i],
                   created, last, dne[i], pv[i], hv[i], web[i], opn[i]]
            # blanks, never in id; a padded count now and then
            for j in range(1, 19):
                if rnd() < BLANK:
                    row[j] = ""
            if rnd() < 0.01:
                j = 15 + int(rnd() * 4)
                if row[j]:
                    row[j] = " " + row[j]
            rows_out.append(",".join(row))
        out.write("\n".join(rows_out) + "\n")
        done += b


def gen_events(out, rows, seed, per_contact):
    """Events for every contact id (deleted ones too), in id order, each
    contact's events sorted by time."""
    rng = random.Random(seed * 104729 + 3)
    rnd = rng.random
    kinds = []
    for typ, tw, cats, assets in EVENT_KINDS:
        ctot, atot = sum(w for _, w in cats), sum(w for _, w in assets)
        for c, cw in cats:
            for a, aw in assets:
                kinds.append((f"{typ},{c},{a}", tw * cw / ctot * aw / atot))
    kinds = table(kinds)
    day0 = date(2026, 1, 1)
    days = [(day0 + timedelta(days=d)).isoformat() + "T" for d in range(365)]
    clock = ["%02d:%02d:%02dZ" % (s // 3600, s // 60 % 60, s % 60) for s in range(86400)]
    total = 0
    out.write(EVENTS_HEADER + "\n")
    buf = []
    for cid, _deleted in contact_ids(rows, seed):
        # a fifth of contacts never engage; the rest are light, regular or heavy
        r = rnd()
        if r < 0.2:
            continue
        mean = per_contact * (0.3 if r < 0.6 else 1.6 if r < 0.93 else 5.0)  # 0.4*0.3+0.33*1.6+0.07*5 = 1
        n = int(-math.log(1.0 - rnd()) * mean + 0.5)
        if n == 0:
            continue
        # activity clusters on a few days (a visit is many page views)
        active = [int(rnd() * 365) for _ in range(1 + n // 10)]
        stamps = sorted(active[0 if rnd() < 0.35 else int(rnd() * len(active))] * 86400 + int(rnd() * 86400)
                        for _ in range(n))
        pre = str(cid) + ","
        for t, k in zip(stamps, pick(rng, kinds, n)):
            buf.append(pre + k + "," + days[t // 86400] + clock[t % 86400])
        total += n
        if len(buf) >= 50000:
            out.write("\n".join(buf) + "\n")
            buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")
    return total


def open_out(path):
    if path == "-":
        return sys.stdout
    return open(path, "w", encoding="utf-8", newline="")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="No checksum promise: reference checksums need ../shared/bench/gen_contacts.py.")
    ap.add_argument("--rows", type=int, required=True, help="number of contacts")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", default="contacts.csv", help="contacts file, '-' for stdout (default contacts.csv)")
    ap.add_argument("--events", metavar="FILE", help="also write an events file")
    ap.add_argument("--events-per-contact", type=float, default=20.0, metavar="K",
                    help="mean events per contact (default 20)")
    a = ap.parse_args()
    if a.rows < 0 or a.events_per_contact < 0:
        ap.error("--rows and --events-per-contact must not be negative")
    if a.events == "-" and a.out == "-":
        ap.error("only one of --out and --events can be standard output")
    try:
        with open_out(a.out) as f:
            gen_contacts(f, a.rows, a.seed)
        print(f"gen.py: {a.rows} contacts -> {a.out}", file=sys.stderr)
        if a.events:
            with open_out(a.events) as f:
                n = gen_events(f, a.rows, a.seed, a.events_per_contact)
            print(f"gen.py: {n} events -> {a.events}", file=sys.stderr)
    except BrokenPipeError:
        sys.exit(1)
    except OSError as e:
        sys.exit(f"gen.py: {e.filename or ''}: {e.strerror}")


if __name__ == "__main__":
    main()
