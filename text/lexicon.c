/* lexicon.c — English word lists for normalisation and splitting (see
 * lexicon.h). The lists are short on purpose: they hold what the normaliser
 * tests define and the abbreviations common in product and news text. */
#include "lexicon.h"

#include <string.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const vx_abbrev abbrevs[] = {
    {"Mr.", "Mister", VX_ABBR_TITLE},        {"Mrs.", "Missus", VX_ABBR_TITLE},
    {"Ms.", "Miz", VX_ABBR_TITLE},           {"Dr.", "Doctor", VX_ABBR_TITLE},
    {"Prof.", "Professor", VX_ABBR_TITLE},   {"St.", "Saint", VX_ABBR_TITLE},
    {"Mt.", "Mount", VX_ABBR_TITLE},         {"Capt.", "Captain", VX_ABBR_TITLE},
    {"Gen.", "General", VX_ABBR_TITLE},      {"Lt.", "Lieutenant", VX_ABBR_TITLE},
    {"Sgt.", "Sergeant", VX_ABBR_TITLE},     {"Col.", "Colonel", VX_ABBR_TITLE},
    {"Rev.", "Reverend", VX_ABBR_TITLE},     {"Gov.", "Governor", VX_ABBR_TITLE},
    {"Sen.", "Senator", VX_ABBR_TITLE},      {"Rep.", "Representative", VX_ABBR_TITLE},
    {"Pres.", "President", VX_ABBR_TITLE},   {"Hon.", "Honorable", VX_ABBR_TITLE},
    {"Jr.", "Junior", VX_ABBR_AFTER},        {"Sr.", "Senior", VX_ABBR_AFTER},
    {"Inc.", "Incorporated", VX_ABBR_AFTER}, {"Ltd.", "Limited", VX_ABBR_AFTER},
    {"Co.", "Company", VX_ABBR_AFTER},       {"Corp.", "Corporation", VX_ABBR_AFTER},
    {"Bros.", "Brothers", VX_ABBR_AFTER},    {"Ave.", "Avenue", VX_ABBR_AFTER},
    {"Rd.", "Road", VX_ABBR_AFTER},          {"Blvd.", "Boulevard", VX_ABBR_AFTER},
    {"vs.", "versus", VX_ABBR_TITLE},        {"e.g.", "for example", VX_ABBR_TITLE},
    {"i.e.", "that is", VX_ABBR_TITLE},      {"etc.", "et cetera", VX_ABBR_PLAIN},
    {"approx.", "approximately", VX_ABBR_TITLE}, {"a.k.a.", "also known as", VX_ABBR_TITLE},
    {"cf.", "compare", VX_ABBR_TITLE},       {"ca.", "circa", VX_ABBR_TITLE},
    {"dept.", "department", VX_ABBR_PLAIN},  {"a.m.", "AM", VX_ABBR_PLAIN},
    {"p.m.", "PM", VX_ABBR_PLAIN},           {"No.", "number", VX_ABBR_NUMBER},
    {"no.", "number", VX_ABBR_NUMBER},       {"Nos.", "numbers", VX_ABBR_NUMBER},
    {"p.", "page", VX_ABBR_NUMBER},          {"pp.", "pages", VX_ABBR_NUMBER},
    {"fig.", "figure", VX_ABBR_NUMBER},      {"Fig.", "figure", VX_ABBR_NUMBER},
    {"vol.", "volume", VX_ABBR_NUMBER},      {"Vol.", "volume", VX_ABBR_NUMBER},
    {"ch.", "chapter", VX_ABBR_NUMBER},      {"Ch.", "chapter", VX_ABBR_NUMBER},
};

const vx_abbrev *vx_lex_abbrev(const char *s, size_t n)
{
    for (size_t i = 0; i < N_ELEMS(abbrevs); i++) {
        const char *a = abbrevs[i].abbr;
        if (strlen(a) != n)
            continue;
        if (memcmp(a, s, n) == 0)
            return &abbrevs[i];
        /* "Etc." "E.g." at the start of a sentence */
        if (a[0] >= 'a' && a[0] <= 'z' && s[0] == a[0] - 32 && memcmp(a + 1, s + 1, n - 1) == 0)
            return &abbrevs[i];
    }
    return NULL;
}

static const vx_unit units[] = {
    {"mm", "millimeter", "millimeters"},   {"cm", "centimeter", "centimeters"},
    {"km", "kilometer", "kilometers"},     {"m", "meter", "meters"},
    {"nm", "nanometer", "nanometers"},     {"\xc2\xb5m", "micrometer", "micrometers"},
    {"mg", "milligram", "milligrams"},     {"g", "gram", "grams"},
    {"kg", "kilogram", "kilograms"},       {"lb", "pound", "pounds"},
    {"lbs", "pound", "pounds"},            {"oz", "ounce", "ounces"},
    {"ml", "milliliter", "milliliters"},   {"mL", "milliliter", "milliliters"},
    {"L", "liter", "liters"},              {"ft", "foot", "feet"},
    {"mi", "mile", "miles"},               {"Hz", "hertz", "hertz"},
    {"kHz", "kilohertz", "kilohertz"},     {"MHz", "megahertz", "megahertz"},
    {"GHz", "gigahertz", "gigahertz"},     {"KB", "kilobyte", "kilobytes"},
    {"kB", "kilobyte", "kilobytes"},       {"MB", "megabyte", "megabytes"},
    {"GB", "gigabyte", "gigabytes"},       {"TB", "terabyte", "terabytes"},
    {"PB", "petabyte", "petabytes"},       {"Mbps", "megabit per second", "megabits per second"},
    {"Gbps", "gigabit per second", "gigabits per second"},
    {"W", "watt", "watts"},                {"kW", "kilowatt", "kilowatts"},
    {"Wh", "watt hour", "watt hours"},     {"kWh", "kilowatt hour", "kilowatt hours"},
    {"mAh", "milliamp hour", "milliamp hours"}, {"V", "volt", "volts"},
    {"mph", "mile per hour", "miles per hour"}, {"km/h", "kilometer per hour", "kilometers per hour"},
    {"kph", "kilometer per hour", "kilometers per hour"},
    {"m/s", "meter per second", "meters per second"},
    {"\xc2\xb0" "C", "degree Celsius", "degrees Celsius"},
    {"\xc2\xb0" "F", "degree Fahrenheit", "degrees Fahrenheit"},
    {"\xc2\xb0", "degree", "degrees"},     {"s", "second", "seconds"},
    {"sec", "second", "seconds"},          {"secs", "second", "seconds"},
    {"ms", "millisecond", "milliseconds"}, {"min", "minute", "minutes"},
    {"mins", "minute", "minutes"},         {"h", "hour", "hours"},
    {"hr", "hour", "hours"},               {"hrs", "hour", "hours"},
    {"yr", "year", "years"},               {"yrs", "year", "years"},
    {"fps", "frame per second", "frames per second"}, {"dB", "decibel", "decibels"},
    {"px", "pixel", "pixels"},
};

const vx_unit *vx_lex_unit(const char *s, size_t n)
{
    for (size_t i = 0; i < N_ELEMS(units); i++)
        if (strlen(units[i].abbr) == n && memcmp(units[i].abbr, s, n) == 0)
            return &units[i];
    return NULL;
}

static bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

const vx_unit *vx_lex_unit_prefix(const char *s, size_t n, size_t *len)
{
    const vx_unit *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < N_ELEMS(units); i++) {
        size_t k = strlen(units[i].abbr);
        if (k <= best_len || k > n || memcmp(units[i].abbr, s, k) != 0)
            continue;
        if (k < n && (is_letter(s[k]) || (s[k] >= '0' && s[k] <= '9')))
            continue;
        best = &units[i];
        best_len = k;
    }
    *len = best_len;
    return best;
}

static const char *const spelled[] = {"LED", "IDE", "VIP", "UPS", "IPS", "NYC", "FAQ", "ETA"};

bool vx_lex_spelled_acronym(const char *s, size_t n)
{
    for (size_t i = 0; i < N_ELEMS(spelled); i++)
        if (strlen(spelled[i]) == n && memcmp(spelled[i], s, n) == 0)
            return true;
    return false;
}

static const char *const months[12] = {"January", "February", "March",     "April",
                                       "May",     "June",     "July",      "August",
                                       "September", "October", "November", "December"};

int vx_lex_month(const char *s, size_t n)
{
    for (int m = 0; m < 12; m++) {
        size_t k = strlen(months[m]);
        if (n == k && memcmp(months[m], s, n) == 0)
            return m + 1;
        if (n == 3 && memcmp(months[m], s, 3) == 0 && m != 4)
            return m + 1; /* "Jan" ... "Dec" ("May" is the full name) */
    }
    if (n == 4 && memcmp(s, "Sept", 4) == 0)
        return 9;
    return 0;
}

const char *vx_lex_month_name(int month) { return month >= 1 && month <= 12 ? months[month - 1] : ""; }

static const char *const measure_followers[] = {
    "and",   "or",    "of",    "in",     "on",     "at",     "to",      "for",   "with",
    "from",  "than",  "by",    "per",    "the",    "a",      "an",      "is",    "are",
    "was",   "were",  "be",    "been",   "thin",   "thick",  "long",    "wide",  "tall",
    "high",  "deep",  "away",  "apart",  "ago",    "later",  "earlier", "each",  "total",
    "more",  "less",  "faster", "slower", "longer", "shorter", "lighter", "heavier", "into",
    "over",  "under", "after", "before", "down",   "up",     "off",     "out",   "then",
    "so",    "but",   "as",    "while",  "when",   "if",     "it",      "that",  "which",
    "old",   "left",  "remaining",
};

bool vx_lex_measure_follower(const char *s, size_t n)
{
    for (size_t i = 0; i < N_ELEMS(measure_followers); i++)
        if (strlen(measure_followers[i]) == n && memcmp(measure_followers[i], s, n) == 0)
            return true;
    return false;
}
