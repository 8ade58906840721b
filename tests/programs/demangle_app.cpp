// A C++ corpus for the demangler: namespaces, templates, std::string/vector/map, lambdas,
// operators, ctors/dtors, local statics and an anonymous namespace. It makes no syscalls
// worth tracing; the test reads its symbol table and compares our names with c++filt's.
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace app {
namespace config {

struct Setting {
    std::string key;
    int value = 0;
    Setting(std::string k, int v) : key(std::move(k)), value(v) {}
    ~Setting() { value = -1; }
    bool operator<(const Setting &other) const { return key < other.key; }
    Setting &operator+=(int delta) { value += delta; return *this; }
    explicit operator bool() const { return value != 0; }
    int operator()(int x) const { return x * value; }
};

template <typename T, int N>
struct Ring {
    T items[N] = {};
    int head = 0;
    void push(const T &item) { items[head++ % N] = item; }
    template <typename F> T fold(T init, F f) const {
        for (int i = 0; i < N; ++i) init = f(init, items[i]);
        return init;
    }
};

std::map<std::string, std::vector<int>> load(const std::vector<std::string> &names) {
    std::map<std::string, std::vector<int>> out;
    for (const auto &n : names) out[n].push_back(static_cast<int>(n.size()));
    return out;
}

}  // namespace config

namespace {
int hidden(const char *s, unsigned long n, double (*scale)(double)) {
    return static_cast<int>(scale(static_cast<double>(n))) + (s ? s[0] : 0);
}
double twice(double x) { return 2 * x; }
}  // namespace

class Base {
public:
    virtual ~Base() = default;
    virtual long area() const = 0;
};

class Square : public Base {
    long side_;
public:
    explicit Square(long s) : side_(s) {}
    long area() const override { return side_ * side_; }
};

template <typename... Args>
std::size_t count_args(Args &&...args) { return sizeof...(args); }

int counter() {
    static int calls = 0;
    return ++calls;
}

int run(int argc) {
    std::vector<std::string> names = {"alpha", "beta", "gamma"};
    auto table = config::load(names);
    config::Ring<long, 4> ring;
    for (int i = 0; i < argc + 4; ++i) ring.push(i);
    long total = ring.fold(0L, [](long a, long b) { return a + b; });
    std::function<int(int)> f = [argc](int x) { return x + argc; };
    std::unique_ptr<Base> shape = std::make_unique<Square>(3);
    config::Setting s("k", 2);
    s += 1;
    int (*fp)(const char *, unsigned long, double (*)(double)) = hidden;
    return static_cast<int>(total + table.size() + f(1) + shape->area() + s(2) + bool(s)) +
           fp("x", 1, twice) + counter() + static_cast<int>(count_args(1, 'c', 2.0, names));
}

}  // namespace app

int main(int argc, char **argv) {
    (void)argv;
    std::printf("%d\n", app::run(argc));
    return 0;
}
