#include "admin_store.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "atomic_file.h"
#include "config_json.h"
#include "text_file.h"

namespace stbf::daemon {

bool parse_admin_state(const std::string& text, AdminState* out) {
    for (AdminState s : {AdminState::Enabled, AdminState::Drain, AdminState::Disabled}) {
        if (text == admin_state_name(s)) {
            *out = s;
            return true;
        }
    }
    return false;
}

// Civil date from days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil inverse). Arithmetic rather than gmtime_r + strftime: those bring the C
// library's time-zone code into the static binary (5 KB on mips32el) for a UTC stamp.
std::string utc_time_text(int64_t unix_seconds) {
    constexpr int64_t kSecondsPerDay = 86400;
    int64_t days = unix_seconds / kSecondsPerDay;
    int64_t second_of_day = unix_seconds % kSecondsPerDay;
    if (second_of_day < 0) {
        second_of_day += kSecondsPerDay;
        --days;
    }
    const int64_t z = days + 719468;  // days since 0000-03-01
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t day_of_era = z - era * 146097;
    const int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int64_t month_from_march = (5 * day_of_year + 2) / 153;
    const int64_t day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    const int64_t month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    char buf[96];  // room for any int64_t year: the compiler checks the widest case
    std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                  static_cast<long long>(year), static_cast<int>(month), static_cast<int>(day),
                  static_cast<int>(second_of_day / 3600), static_cast<int>(second_of_day / 60 % 60),
                  static_cast<int>(second_of_day % 60));
    return buf;
}

std::string AdminStore::path_in(const std::string& cache_dir) {
    return cache_dir + "/admin-state.json";
}

std::string AdminStore::to_json(const std::vector<AdminRecord>& records) {
    std::unique_ptr<cJSON, decltype(&cJSON_Delete)> root(cJSON_CreateObject(), &cJSON_Delete);
    cJSON_AddNumberToObject(root.get(), "version", 1);
    cJSON* list = cJSON_AddArrayToObject(root.get(), "servers");
    for (const AdminRecord& r : records) {
        cJSON* o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "group", r.group.c_str());
        cJSON_AddStringToObject(o, "server", r.server.c_str());
        cJSON_AddStringToObject(o, "state", admin_state_name(r.state));
        cJSON_AddStringToObject(o, "set_by", r.set_by.c_str());
        cJSON_AddNumberToObject(o, "since", static_cast<double>(r.since));
        cJSON_AddNumberToObject(o, "grace_ms", r.grace_ms);
        cJSON_AddItemToArray(list, o);
    }
    char* text = cJSON_Print(root.get());
    std::string out = text != nullptr ? std::string(text) + "\n" : "";
    cJSON_free(text);
    return out;
}

bool AdminStore::from_json(const std::string& text, std::vector<AdminRecord>* out) {
    out->clear();
    std::unique_ptr<cJSON, decltype(&cJSON_Delete)> root(cJSON_Parse(text.c_str()), &cJSON_Delete);
    const cJSON* list = root ? cJSON_GetObjectItemCaseSensitive(root.get(), "servers") : nullptr;
    if (!cJSON_IsArray(list)) return false;
    const cJSON* e = nullptr;
    cJSON_ArrayForEach(e, list) {
        AdminRecord r;
        const cJSON* g = cJSON_GetObjectItemCaseSensitive(e, "group");
        const cJSON* s = cJSON_GetObjectItemCaseSensitive(e, "server");
        const cJSON* st = cJSON_GetObjectItemCaseSensitive(e, "state");
        const cJSON* by = cJSON_GetObjectItemCaseSensitive(e, "set_by");
        const cJSON* since = cJSON_GetObjectItemCaseSensitive(e, "since");
        const cJSON* grace = cJSON_GetObjectItemCaseSensitive(e, "grace_ms");
        if (!cJSON_IsString(g) || !cJSON_IsString(s) || !cJSON_IsString(st) ||
            !parse_admin_state(st->valuestring, &r.state))
            return false;
        r.group = g->valuestring;
        r.server = s->valuestring;
        if (cJSON_IsString(by)) r.set_by = by->valuestring;
        // A time outside 1970..9999 is not one this file was written with: unknown (0) rather
        // than a conversion out of int64_t's range.
        constexpr double kLastSecondOf9999 = 253402300799.0;
        if (cJSON_IsNumber(since) && since->valuedouble >= 0 &&
            since->valuedouble <= kLastSecondOf9999)
            r.since = static_cast<int64_t>(since->valuedouble);
        if (cJSON_IsNumber(grace) && grace->valuedouble >= 0 && grace->valuedouble < 4e9)
            r.grace_ms = static_cast<uint32_t>(grace->valuedouble);
        if (r.state != AdminState::Enabled) out->push_back(r);
    }
    return true;
}

bool AdminStore::load(const std::string& path, std::string* error) {
    path_ = path;
    records_.clear();
    // stdio, not iostreams: the static (musl) binary has no C++ streams.
    std::string text, why;
    errno = 0;
    if (!fw::read_text_file(path, &text, &why)) {
        if (errno == ENOENT) return true;
        *error = path + ": " + why;
        return false;
    }
    if (!from_json(text, &records_)) {
        records_.clear();
        *error = path + ": not an admin state file (ignored; every server starts enabled)";
        return false;
    }
    return true;
}

bool AdminStore::save(std::string* error) const {
    const size_t slash = path_.rfind('/');
    if (slash != std::string::npos && slash > 0)
        ::mkdir(path_.substr(0, slash).c_str(), 0755);  // an existing folder is fine
    std::string backup;
    return fw::write_file_atomic(path_, to_json(records_), &backup, error);
}

const AdminRecord* AdminStore::find(const std::string& group, const std::string& server) const {
    for (const AdminRecord& r : records_)
        if (r.group == group && r.server == server) return &r;
    return nullptr;
}

void AdminStore::set(const AdminRecord& record) {
    for (size_t i = 0; i < records_.size(); ++i) {
        if (records_[i].group == record.group && records_[i].server == record.server) {
            if (record.state == AdminState::Enabled)
                records_.erase(records_.begin() + static_cast<long>(i));
            else
                records_[i] = record;
            return;
        }
    }
    if (record.state != AdminState::Enabled) records_.push_back(record);
}

}  // namespace stbf::daemon
