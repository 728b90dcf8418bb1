// A stable insertion sort for the daemon's short lists (a folder's softcam configs, the edits of
// one softcam config file).
//
// std::sort and std::stable_sort expand to introsort / merge machinery of some 2 KB of code per
// element type in the static binary; these lists hold a few hundred items at most, usually in
// order already, where an insertion sort is just as quick.
#ifndef STBF_FIRMWARE_SMALL_SORT_H
#define STBF_FIRMWARE_SMALL_SORT_H

#include <cstddef>
#include <utility>
#include <vector>

namespace stbf::fw {

/// Sorts `items` by `less`; items that compare equal keep their order.
template <class T, class Less>
void small_stable_sort(std::vector<T>* items, Less less) {
    std::vector<T>& v = *items;
    for (std::size_t i = 1; i < v.size(); ++i) {
        T item = std::move(v[i]);
        std::size_t j = i;
        for (; j > 0 && less(item, v[j - 1]); --j) v[j] = std::move(v[j - 1]);
        v[j] = std::move(item);
    }
}

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_SMALL_SORT_H
