// Shared helpers for the parser tests: run a reader on a string, look at its diagnostics.
#ifndef STBF_TESTS_PARSE_HELPERS_H
#define STBF_TESTS_PARSE_HELPERS_H

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "stbf/config_text.h"
#include "stbf/diagnostics.h"
#include "stbf/model.h"
#include "stbf/status.h"

namespace stbf_test {

using ParseFn = stbf::Status (*)(const char*, size_t, uint8_t, stbf::Config*, stbf::Diagnostics*,
                                 stbf::SourceSpan*, stbf::ImportCounts*);

struct Parsed {
    std::unique_ptr<stbf::Config> config = std::make_unique<stbf::Config>();
    std::unique_ptr<stbf::Diagnostics> diags = std::make_unique<stbf::Diagnostics>();
    stbf::SourceSpan spans[STBF_MAX_SERVERS];
    stbf::Status status = stbf::Status::Ok;
    stbf::ImportCounts counts;

    /// First diagnostic of `severity` on `line`, or nullptr.
    const stbf::Diagnostic* on_line(uint32_t line, stbf::Severity severity) const {
        for (size_t i = 0; i < diags->count(); ++i) {
            const stbf::Diagnostic& d = diags->at(i);
            if (d.where.line == line && d.severity == severity) return &d;
        }
        return nullptr;
    }
    /// Every message and detail joined, to search for leaked secrets.
    std::string all_text() const {
        std::string s;
        for (size_t i = 0; i < diags->count(); ++i)
            s += std::string(diags->at(i).message) + " " + diags->at(i).detail.c_str() + "\n";
        return s;
    }
};

/// A text with exactly one broken server: the reader skips it (no error: the softcam would
/// skip it too), keeps no server, counts one skip, and warns at `line`:`column` with a message
/// that contains `message_part` and says it skipped. Call inside SCOPED_TRACE.
inline void expect_skipped_at(const Parsed& p, uint32_t line, uint32_t column,
                              const char* message_part) {
    EXPECT_EQ(p.status, stbf::Status::Ok);
    EXPECT_EQ(p.config->server_count, 0);
    EXPECT_EQ(p.diags->errors(), 0u) << p.all_text();
    EXPECT_EQ(p.counts.skipped, 1u);
    const stbf::Diagnostic* d = p.on_line(line, stbf::Severity::Warning);
    ASSERT_NE(d, nullptr) << p.all_text();
    EXPECT_EQ(d->column, column);
    EXPECT_NE(std::string(d->message).find(message_part), std::string::npos) << d->message;
    EXPECT_NE(std::string(d->message).find("skipped"), std::string::npos) << d->message;
}

inline std::unique_ptr<Parsed> parse_with(ParseFn fn, const std::string& text) {
    auto p = std::make_unique<Parsed>();
    p->status =
        fn(text.data(), text.size(), 0, p->config.get(), p->diags.get(), p->spans, &p->counts);
    return p;
}

}  // namespace stbf_test

#endif
