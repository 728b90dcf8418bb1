// Discovery of the softcam config in fake roots laid out like the images.
#include "discovery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;

void put(const stbf_test::TempDir& root, const std::string& box_path, const std::string& text = "x\n") {
    fs::create_directories(fs::path(root.path() + box_path).parent_path());
    root.write(box_path.substr(1), text);
}

std::vector<std::string> box_paths(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& f : stbf::fw::discover_softcam_configs(root)) out.push_back(f.box_path);
    return out;
}

TEST(Discovery, ListsEveryLayoutInOrderOnce) {
    stbf_test::TempDir root;
    put(root, "/etc/CCcam.cfg");
    put(root, "/etc/tuxbox/config/oscam.server");
    put(root, "/etc/tuxbox/config/oscam-smod/oscam.server");
    put(root, "/etc/tuxbox/config/oscam/oscam.server");
    put(root, "/etc/tuxbox/config/ncam.server");
    put(root, "/etc/tuxbox/config/ncam/ncam.server");
    put(root, "/etc/tuxbox/config/other/oscam.server");  // not an oscam* folder
    put(root, "/tmp/.ncam/ncam.version", "Version: ncam\nConfigDir:\t/etc/tuxbox/config/ncam\r\n");
    const std::vector<std::string> expected = {
        "/etc/tuxbox/config/ncam/ncam.server",  // running: first
        "/etc/tuxbox/config/oscam.server",
        "/etc/tuxbox/config/oscam/oscam.server",
        "/etc/tuxbox/config/oscam-smod/oscam.server",
        "/etc/tuxbox/config/ncam.server",
        "/etc/CCcam.cfg",
    };
    EXPECT_EQ(box_paths(root.path()), expected);
    const auto found = stbf::fw::discover_softcam_configs(root.path());
    EXPECT_TRUE(found[0].running);
    EXPECT_EQ(found[0].cam, "ncam");
    EXPECT_EQ(found[0].format, stbf::fw::FileFormat::Oscam);
    EXPECT_EQ(found.back().format, stbf::fw::FileFormat::Cccam);
    EXPECT_EQ(found[0].path, root.path() + "/etc/tuxbox/config/ncam/ncam.server");
}

TEST(Discovery, ChoosesTheCamTheSoftcamLinkStartsAndFindsItsScript) {
    stbf_test::TempDir root;
    put(root, "/etc/tuxbox/config/oscam.server");
    put(root, "/etc/CCcam.cfg");
    put(root, "/etc/init.d/softcam.CCcam", "#!/bin/sh\n");
    fs::permissions(root.path() + "/etc/init.d/softcam.CCcam", fs::perms::owner_all);
    stbf::fw::SoftcamConfigFile f;
    std::string why;
    ASSERT_TRUE(stbf::fw::choose_softcam_config(root.path(), &f, &why));
    EXPECT_EQ(f.box_path, "/etc/tuxbox/config/oscam.server");  // no link: the first found
    EXPECT_EQ(stbf::fw::softcam_restart_command(root.path(), "cccam"),
              (std::vector<std::string>{root.path() + "/etc/init.d/softcam.CCcam", "restart"}));
    EXPECT_TRUE(stbf::fw::softcam_restart_command(root.path(), "oscam").empty());
    fs::create_symlink("softcam.CCcam", root.path() + "/etc/init.d/softcam");
    ASSERT_TRUE(stbf::fw::choose_softcam_config(root.path(), &f, &why));
    EXPECT_EQ(f.box_path, "/etc/CCcam.cfg");
    EXPECT_NE(why.find("/etc/init.d/softcam"), std::string::npos);
    EXPECT_EQ(stbf::fw::softcam_restart_command(root.path(), "oscam"),
              (std::vector<std::string>{root.path() + "/etc/init.d/softcam", "restart"}));
}

TEST(Discovery, NothingFoundAndRootJoining) {
    stbf_test::TempDir root;
    EXPECT_TRUE(stbf::fw::discover_softcam_configs(root.path()).empty());
    stbf::fw::SoftcamConfigFile f;
    std::string why;
    EXPECT_FALSE(stbf::fw::choose_softcam_config(root.path(), &f, &why));
    EXPECT_EQ(stbf::fw::under_root("/", "/etc/CCcam.cfg"), "/etc/CCcam.cfg");
    EXPECT_EQ(stbf::fw::under_root("/r/", "/etc/x"), "/r/etc/x");
}

}  // namespace
