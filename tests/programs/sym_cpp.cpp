// Symbolization fixture (C++): write(2) from a namespaced function, a class template's member,
// and a lambda passed to a function template; each name must come back qualified.
#include <cstring>
#include <unistd.h>

namespace app {
namespace io {

__attribute__((noinline)) long say(const char *s)
{
    return write(1, s, std::strlen(s)); // syscall: write
}

template <typename T>
struct Repeater {
    T times;
    __attribute__((noinline)) long run(const char *s) const
    {
        long n = 0;
        for (T i = 0; i < times; i++)
            n += say(s);
        return n;
    }
};

}  // namespace io

template <typename F>
__attribute__((noinline)) long apply(F f, int k)
{
    return f(k) + f(k + 1);
}

}  // namespace app

int main()
{
    app::io::Repeater<int> twice{2};
    long n = twice.run("hi\n");
    n += app::apply([](int k) { return app::io::say(k % 2 ? "odd\n" : "even\n"); }, 1);
    return n > 0 ? 0 : 1;
}
