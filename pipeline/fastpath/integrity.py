"""Unique, primary and foreign keys over a whole file: duplicates and references.

The keys of every row read are kept, in row order (keys.py says what a key is). A
duplicate is found by sorting, and reported with the latest earlier row holding the
same key, as frictionless' memory of keys does; a foreign key is looked up among the
keys of the referenced resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.fastpath.arrays import np_bool

if TYPE_CHECKING:
    from pipeline.fastpath.cells import Checked


@dataclass
class KeyStore:
    """Keys (and raw text) of the key fields, for every row read, in row order."""

    types: dict[int, pa.DataType]  # key type of each key field
    numbers: list[np.ndarray] = field(default_factory=list)
    keys: dict[int, list[pa.Array]] = field(default_factory=dict)
    texts: dict[int, list[pa.Array]] = field(default_factory=dict)
    crashes: dict[tuple[int, int], BaseException] = field(default_factory=dict)

    def add(self, numbers: np.ndarray, checked: dict[int, Checked], texts: dict[int, pa.Array],
            ragged: tuple[np.ndarray, dict[int, Checked], dict[int, pa.Array]] | None = None) -> None:
        """The keys of a batch's well-formed rows, and of its ragged rows (merged in order)."""
        keys = {i: result.key for i, result in checked.items()}
        for index, result in checked.items():
            for position, exc in result.key_crashes.items():
                self.crashes[(int(numbers[position]), index)] = exc
        if ragged is not None and len(ragged[0]):
            other_numbers, other_checked, other_texts = ragged
            for index, result in other_checked.items():
                for position, exc in result.key_crashes.items():
                    self.crashes[(int(other_numbers[position]), index)] = exc
            if len(other_numbers) <= MAX_INTERLEAVED:
                # A few ragged rows: slices of the batch's arrays around them, no copy.
                cuts = np.searchsorted(numbers, other_numbers)
                self.numbers.append(np.insert(numbers, cuts, other_numbers))
                for index in keys:
                    self.keys.setdefault(index, []).extend(
                        _interleaved(keys[index], other_checked[index].key, cuts))
                    self.texts.setdefault(index, []).extend(
                        _interleaved(texts[index], other_texts[index], cuts))
                return
            merged = np.concatenate([numbers, other_numbers])
            order = pa.array(np.argsort(merged, kind="stable"))
            numbers = merged[order.to_numpy()]
            keys = {i: pa.concat_arrays([keys[i], other_checked[i].key]).take(order) for i in keys}
            texts = {i: pa.concat_arrays([texts[i], other_texts[i]]).take(order) for i in texts}
        self.numbers.append(numbers)
        for index in keys:
            self.keys.setdefault(index, []).append(keys[index])
            self.texts.setdefault(index, []).append(texts[index])

    def table(self, up_to: int | None) -> tuple[np.ndarray, dict[int, pa.Array], dict[int, pa.Array]]:
        """Row numbers, keys and texts by field, sorted by row number, up to a row."""
        if not self.numbers:
            return (np.zeros(0, np.int64), {i: pa.nulls(0, t) for i, t in self.types.items()},
                    {i: pa.nulls(0, pa.string()) for i in self.types})
        numbers = np.concatenate(self.numbers)
        if (numbers[1:] > numbers[:-1]).all():  # no ragged row: already in order, no copy
            cut = len(numbers) if up_to is None else int(np.searchsorted(numbers, up_to, "right"))
            keys = {i: pa.chunked_array(parts).slice(0, cut) for i, parts in self.keys.items()}
            texts = {i: pa.chunked_array(parts).slice(0, cut) for i, parts in self.texts.items()}
            return numbers[:cut], keys, texts
        order = np.argsort(numbers, kind="stable")
        if up_to is not None:
            order = order[numbers[order] <= up_to]
        taken = pa.array(order)
        keys = {i: pa.concat_arrays(parts).take(taken) for i, parts in self.keys.items()}
        texts = {i: pa.concat_arrays(parts).take(taken) for i, parts in self.texts.items()}
        return numbers[order], keys, texts



MAX_INTERLEAVED = 16  # ragged rows of a batch kept as slices between slices; more: merged


def _interleaved(regular: pa.Array, extra: pa.Array, cuts: np.ndarray) -> list[pa.Array]:
    """`regular` with extra[j] inserted before regular[cuts[j]], as slices (no copy)."""
    pieces, previous = [], 0
    for position, cut in enumerate(cuts.tolist()):
        pieces += [regular.slice(previous, cut - previous), extra.slice(position, 1)]
        previous = cut
    pieces.append(regular.slice(previous))
    return [piece for piece in pieces if len(piece)]


def chunks(array: Any) -> list[pa.Array]:
    return list(array.chunks) if isinstance(array, pa.ChunkedArray) else [array]


def all_null(arrays: list[Any], size: int) -> np.ndarray:
    none = np.ones(size, bool)
    for array in arrays:
        if array.null_count:
            none &= array.is_null().to_numpy(zero_copy_only=False)
        else:
            none[:] = False
    return none


def group_codes(arrays: list[pa.Array]) -> np.ndarray:
    """One int64 code per row, equal for rows whose values (nulls included) are all equal."""
    size = len(arrays[0]) if arrays else 0
    codes = np.zeros(size, np.int64)
    arrays = [a for a in arrays if not pa.types.is_null(a.type)]
    for number, array in enumerate(arrays):
        encoded = pc.dictionary_encode(array, null_encoding="encode")
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        if number == 0:
            codes = indices
            continue
        codes = codes * (len(encoded.dictionary) + 1) + indices
        codes = np.unique(codes, return_inverse=True)[1].astype(np.int64).reshape(-1)
    return codes


def previous_rows(numbers: np.ndarray, arrays: list[Any], *, skip_null: bool,
              exclude: np.ndarray | None = None) -> np.ndarray:
    """For each row, the row number of the latest earlier row with equal values (0: none;
    nulls equal nulls). Sorting, not hashing: pyarrow's hash tables of millions of
    distinct strings are slow and take gigabytes."""
    size = len(numbers)
    previous = np.zeros(size, np.int64)
    if not size:
        return previous
    considered = np.ones(size, bool) if exclude is None else ~exclude
    if skip_null:
        considered &= ~all_null(arrays, size)
    rows = np.arange(size) if considered.all() else np.flatnonzero(considered)
    if not len(rows):
        return previous
    columns = [a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in arrays]
    if len(rows) < size:
        taken = pa.array(rows)
        columns = [c.take(taken) for c in columns]
    if len(columns) == 1 and not columns[0].null_count and (
            pa.types.is_integer(columns[0].type) or pa.types.is_date(columns[0].type)):
        values = columns[0].to_numpy(zero_copy_only=False)
        if (values[1:] > values[:-1]).all():  # identifiers in order: no duplicate
            return previous
        order = np.argsort(values, kind="stable")
        ordered = np.take(values, order)  # np.take: faster than indexing with an array
        same = ordered[1:] == ordered[:-1]
    else:
        table = pa.table({f"k{i}": c for i, c in enumerate(columns)})
        keys = [(name, "ascending", "at_end") for name in table.column_names]
        order = pc.sort_indices(table, sort_keys=keys).to_numpy()
        ordered = table.take(pa.array(order))
        same = np.ones(len(rows) - 1, bool)
        for column in ordered.columns:
            later, earlier = column.slice(1), column.slice(0, len(column) - 1)
            equal = np_bool(pc.equal(later, earlier))
            if column.null_count:
                equal |= all_null([later], len(same)) & all_null([earlier], len(same))
            same &= equal
    if same.any():
        later, earlier = np.flatnonzero(same) + 1, np.flatnonzero(same)
        previous[rows[order[later]]] = numbers[rows[order[earlier]]]
    return previous


