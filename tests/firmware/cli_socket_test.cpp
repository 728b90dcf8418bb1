// Which control socket `status` and `server` talk to: -c FILE, --socket PATH or the default.
#include "cli_socket.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "control.h"
#include "temp_dir.h"

namespace stbf::cli {
namespace {

void no_usage(std::FILE*) {}

// Reads `words` (argv[0] the command) the way a command does; returns the arguments left over.
std::vector<std::string> read_all(SocketOptions* socket, std::vector<std::string> words) {
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    OptionReader args("status", static_cast<int>(argv.size()), argv.data(), no_usage);
    std::vector<std::string> rest;
    while (args.next()) {
        if (!socket->read(args)) rest.push_back(args.current());
    }
    return rest;
}

TEST(SocketOptions, NeitherOptionMeansTheDefaultSocket) {
    SocketOptions socket;
    EXPECT_EQ(read_all(&socket, {"status", "--json"}), std::vector<std::string>{"--json"});
    std::string path;
    EXPECT_EQ(socket.resolve("status", &path), 0);
    EXPECT_EQ(path, stbf::daemon::kDefaultControlSocket);
}

TEST(SocketOptions, SocketOptionIsTakenAsGiven) {
    SocketOptions socket;
    EXPECT_TRUE(read_all(&socket, {"server", "--socket", "/tmp/x.sock"}).empty());
    std::string path;
    EXPECT_EQ(socket.resolve("server", &path), 0);
    EXPECT_EQ(path, "/tmp/x.sock");
}

TEST(SocketOptions, ConfigNamesTheSocket) {
    stbf_test::TempDir dir;
    const std::string config = dir.write(
        "c.json", "{\"control_socket\": \"" + dir.file("from-config.sock") +
                      "\", \"groups\": [{\"name\": \"a\", \"listen\": 20001, \"servers\": "
                      "[{\"host\": \"127.0.0.1\", \"port\": 12000}]}]}\n");
    for (const char* option : {"-c", "--config"}) {
        SocketOptions socket;
        EXPECT_TRUE(read_all(&socket, {"status", option, config}).empty()) << option;
        std::string path;
        EXPECT_EQ(socket.resolve("status", &path), 0) << option;
        EXPECT_EQ(path, dir.file("from-config.sock")) << option;
    }
}

TEST(SocketOptions, BothIsAUsageError) {
    SocketOptions socket;
    read_all(&socket, {"status", "-c", "a.json", "--socket", "b.sock"});
    std::string path;
    testing::internal::CaptureStderr();
    EXPECT_EQ(socket.resolve("status", &path), 2);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "stbfailover status: give -c or --socket, not both\n");
}

TEST(SocketOptions, AConfigThatDoesNotLoadExitsOneNamingTheCommand) {
    stbf_test::TempDir dir;
    SocketOptions socket;
    read_all(&socket, {"server", "-c", dir.file("absent.json")});
    std::string path;
    testing::internal::CaptureStderr();
    EXPECT_EQ(socket.resolve("server", &path), 1);
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.rfind("stbfailover server: ", 0), 0u) << err;
    EXPECT_NE(err.find("absent.json"), std::string::npos) << err;
}

TEST(SocketOptions, AnOptionWithoutItsValueIsLeftForTheCommand) {
    SocketOptions socket;
    EXPECT_EQ(read_all(&socket, {"status", "--socket"}), std::vector<std::string>{"--socket"});
}

}  // namespace
}  // namespace stbf::cli
