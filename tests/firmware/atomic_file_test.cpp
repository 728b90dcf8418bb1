#include "atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"

namespace {

size_t files_in(const std::string& dir) {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    return n;
}

TEST(AtomicFile, NewFileIsPrivateAndHasNoBackup) {
    stbf_test::TempDir dir;
    std::string backup = "x", error;
    ASSERT_TRUE(stbf::fw::write_file_atomic(dir.file("out.cfg"), "hello\n", &backup, &error)) << error;
    EXPECT_EQ(stbf_test::read_file(dir.file("out.cfg")), "hello\n");
    EXPECT_TRUE(backup.empty());
    struct stat st {};
    ASSERT_EQ(::stat(dir.file("out.cfg").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(files_in(dir.path()), 1u);
}

TEST(AtomicFile, ReplacingKeepsTheOldContentAsBackupAndTheMode) {
    stbf_test::TempDir dir;
    const std::string path = dir.write("CCcam.cfg", "old\n", 0640);
    dir.write("CCcam.cfg.bak", "older\n");
    std::string backup, error;
    ASSERT_TRUE(stbf::fw::write_file_atomic(path, "new\n", &backup, &error)) << error;
    EXPECT_EQ(backup, path + ".bak");
    EXPECT_EQ(stbf_test::read_file(path), "new\n");
    EXPECT_EQ(stbf_test::read_file(backup), "old\n");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    EXPECT_EQ(files_in(dir.path()), 2u);  // no temporary file left
}

TEST(AtomicFile, ASymlinkStaysALinkAndItsTargetIsReplaced) {
    stbf_test::TempDir dir;
    const std::string target = dir.write("real.cfg", "old\n", 0600);
    ASSERT_EQ(::symlink(target.c_str(), dir.file("link.cfg").c_str()), 0);
    std::string backup, error;
    ASSERT_TRUE(stbf::fw::write_file_atomic(dir.file("link.cfg"), "new\n", &backup, &error)) << error;
    EXPECT_TRUE(std::filesystem::is_symlink(dir.file("link.cfg")));
    EXPECT_EQ(stbf_test::read_file(target), "new\n");
    EXPECT_EQ(backup, std::filesystem::canonical(target).string() + ".bak");
    EXPECT_EQ(stbf_test::read_file(backup), "old\n");
}

TEST(AtomicFile, FailureLeavesTheOldFileAndNoTemporary) {
    stbf_test::TempDir dir;
    std::string backup, error;
    // a directory in the way: cannot be replaced
    std::filesystem::create_directory(dir.file("sub"));
    EXPECT_FALSE(stbf::fw::write_file_atomic(dir.file("sub"), "x", &backup, &error));
    EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
    // a directory that does not exist: nothing can be created
    EXPECT_FALSE(stbf::fw::write_file_atomic(dir.file("missing/out.cfg"), "x", &backup, &error));
    EXPECT_NE(error.find("temporary"), std::string::npos) << error;
    if (::geteuid() != 0) {
        // a read-only directory: the old file stays as it was
        std::filesystem::create_directory(dir.file("ro"));
        dir.write("ro/CCcam.cfg", "keep me\n", 0600);
        ::chmod(dir.file("ro").c_str(), 0500);
        EXPECT_FALSE(stbf::fw::write_file_atomic(dir.file("ro/CCcam.cfg"), "new\n", &backup, &error));
        EXPECT_EQ(stbf_test::read_file(dir.file("ro/CCcam.cfg")), "keep me\n");
        EXPECT_EQ(files_in(dir.file("ro")), 1u);
        ::chmod(dir.file("ro").c_str(), 0700);
    }
}

}  // namespace
