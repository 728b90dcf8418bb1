// Placing a JSON path in its text (json_locate.h): the loader's FILE:LINE:COL of every problem.
#include "json_locate.h"

#include <gtest/gtest.h>

#include <string>

namespace stbf::fw {
namespace {

JsonStep key(const char* k, int occurrence = 0) {
    return JsonStep{k, -1, occurrence};
}
JsonStep item(int i) {
    return JsonStep{"", i, 0};
}

TEST(JsonLocate, PathTextNamesKeysAndIndexes) {
    EXPECT_EQ(path_text({}), "");
    EXPECT_EQ(path_text({key("groups"), item(1), key("servers"), item(0), key("port")}),
              "groups[1].servers[0].port");
}

TEST(JsonLocate, KeysLandOnTheirQuoteAndItemsOnTheirValue) {
    const std::string text =
        "{\n  \"a\": 1,\n  \"groups\": [\n    {\"name\": \"x\"},\n    {\"name\": \"y\", \"port\": "
        "7}\n"
        "  ]\n}\n";
    EXPECT_EQ(locate(text, {}).line, 1u);
    const LineCol groups = locate(text, {key("groups")});
    EXPECT_EQ(groups.line, 3u);
    EXPECT_EQ(groups.column, 3u);
    const LineCol second = locate(text, {key("groups"), item(1)});
    EXPECT_EQ(second.line, 5u);
    EXPECT_EQ(second.column, 5u);
    const LineCol port = locate(text, {key("groups"), item(1), key("port")});
    EXPECT_EQ(port.line, 5u);
    EXPECT_EQ(port.column, 19u);
}

TEST(JsonLocate, ARepeatedKeyIsFoundByOccurrence) {
    const std::string text = "{\"k\": 1,\n \"k\": [2, {\"s\": \"a,]}\"}, 3]}";
    EXPECT_EQ(locate(text, {key("k", 0)}).line, 1u);
    const LineCol again = locate(text, {key("k", 1)});
    EXPECT_EQ(again.line, 2u);
    EXPECT_EQ(again.column, 2u);
    // Strings holding brackets and commas are skipped whole.
    EXPECT_EQ(JsonLocator(text).find({key("k", 1), item(2)}), text.rfind('3'));
}

TEST(JsonLocate, AStepThatCannotBeFollowedStopsAtItsParent) {
    const std::string text = "{\"a\": {\"b\": 1}}";
    const size_t a = JsonLocator(text).find({key("a")});
    EXPECT_EQ(a, 1u);
    EXPECT_EQ(JsonLocator(text).find({key("a"), key("missing")}), a);
    EXPECT_EQ(JsonLocator(text).find({key("a"), item(0)}), a) << "an object is not an array";
    const std::string escaped = "{\"\\u0061\": 1}";
    EXPECT_EQ(JsonLocator(escaped).find({key("a")}), 0u) << "\\u keys fall back to the parent";
}

TEST(JsonLocate, LineColCountsFromOneAndStopsAtTheEnd) {
    const std::string text = "ab\ncd";
    EXPECT_EQ(line_col(text, 0).line, 1u);
    EXPECT_EQ(line_col(text, 0).column, 1u);
    EXPECT_EQ(line_col(text, 4).line, 2u);
    EXPECT_EQ(line_col(text, 4).column, 2u);
    EXPECT_EQ(line_col(text, 99).column, 3u);
}

}  // namespace
}  // namespace stbf::fw
