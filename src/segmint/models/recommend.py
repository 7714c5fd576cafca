"""Next products per customer by item-to-item co-purchase, and the popularity baseline it must beat.

Item-based collaborative filtering (Sarwar, Karypis, Konstan & Riedl 2001; Linden, Smith
& York 2003, Amazon.com's item-to-item): two products are similar when the same customers
buy both, and a customer is offered the products most similar to what she bought. Only
whether a customer bought a product counts, not how often:

    sim(i, j) = co(i, j) / (sqrt(n_i n_j) + h),

the cosine of the two products' buyer vectors (Sarwar et al. 2001, section 3.1.1) with a
shrinkage term h in the denominator that pulls the similarity of rarely bought pairs
towards 0 (the ItemKNN baseline of Ferrari Dacrema, Cremonesi & Jannach 2019); co(i, j)
counts customers who bought both, n_i the buyers of i. Each product keeps its
`neighbours` most similar products, and a customer's score for j is the sum of sim(i, j)
over the products i she bought: the "model" of Deshpande & Karypis (2004), section 3.
The counts co(i, j) and n_i may be given instead of the purchases (`CoPurchase.fit_counts`,
`repeat_from_counts`), as a database counts them, for the same fit.

Recommendations are ordered by score, highest first, ties and unscored products by
popularity (buyers, most first, then product index); excluded products (recent purchases
of non-repeat items, `recent_exclusions`) come last with score -inf. The work is done in
"rank space", where product r is the r-th most popular, so every tie is broken by the
lower index and one integer sort orders a whole batch of customers.

References
----------
Sarwar, B., Karypis, G., Konstan, J. & Riedl, J. (2001). Item-based collaborative
filtering recommendation algorithms. WWW '01, 285-295.
Linden, G., Smith, B. & York, J. (2003). Amazon.com recommendations: item-to-item
collaborative filtering. IEEE Internet Computing 7(1), 76-80.
Deshpande, M. & Karypis, G. (2004). Item-based top-N recommendation algorithms. ACM
TOIS 22(1), 143-177.
Ferrari Dacrema, M., Cremonesi, P. & Jannach, D. (2019). Are we really making much
progress? RecSys '19, 101-109.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from segmint.core.errors import InputError
from segmint.models import purchase_inputs as inputs
from segmint.models.base import Constraint, Estimator, check_fitted
from segmint.models.ranking import blocks, held, ordered, row_limit, top_n

Ints = npt.NDArray[np.int64]
Ints2d = npt.NDArray[np.int32]
Floats2d = npt.NDArray[np.float32]
Bools = npt.NDArray[np.bool_]
Csr = Any  # scipy.sparse.csr_array; scipy ships no type information

WORK = 1 << 23  # pairs (product, product) or (customer, candidate) worked on at a time


def purchase_matrix(
    customer: npt.ArrayLike, product: npt.ArrayLike, *, n_customers: int, n_products: int
) -> Csr:
    """Customers x products counts: how many of the given lines each customer has of each.

    Parameters
    ----------
    customer, product : array-like of int
        One entry per order line (or per distinct order and product): 0-based indices.
    n_customers, n_products : int
        The matrix's shape; every index must lie below it.

    Returns
    -------
    scipy.sparse.csr_array
        float32, duplicates summed, column indices sorted.

    Raises
    ------
    InputError
        If the two are not of one length, or an index is not a whole number in range.
    """
    inputs.check_number(n_customers, "n_customers", "purchase_matrix", int, 0, None)
    inputs.check_number(n_products, "n_products", "purchase_matrix", int, 0, None)
    rows = inputs.indices(customer, "customer", n_customers)
    cols = inputs.indices(product, "product", n_products)
    if rows.size != cols.size:
        raise InputError(
            "models.lengths_differ",
            columns="customer, product",
            lengths=f"customer {rows.size}, product {cols.size}",
        )
    ones = np.ones(rows.size, dtype=np.float32)
    counts = sparse.coo_array((ones, (rows, cols)), shape=(n_customers, n_products)).tocsr()
    counts.sum_duplicates()  # also sorts the indices
    return counts


def repeat_items(counts: Csr, *, min_rate: float = 0.3, min_buyers: int = 20) -> Bools:
    """Products their buyers commonly buy again, which stay recommendable after a purchase.

    A product is a repeat item when it has at least `min_buyers` buyers and at least
    `min_rate` of them bought it more than once (a count above 1 in `counts`).

    Raises
    ------
    InputError
        If a parameter is out of range, or `counts` holds a negative or non-finite value.
    """
    inputs.check_number(min_rate, "min_rate", "repeat_items", float, 0.0, 1.0)
    inputs.check_number(min_buyers, "min_buyers", "repeat_items", int, 1, None)
    m = inputs.counts(counts, "counts").tocsc()
    column = np.repeat(np.arange(m.shape[1]), np.diff(m.indptr))
    buyers = np.bincount(column[m.data > 0], minlength=m.shape[1])
    again = np.bincount(column[m.data > 1], minlength=m.shape[1])
    return _repeated(buyers, again, min_rate=min_rate, min_buyers=min_buyers)


def repeat_from_counts(
    buyers: npt.ArrayLike, again: npt.ArrayLike, *, min_rate: float = 0.3, min_buyers: int = 20
) -> Bools:
    """`repeat_items` from each product's buyers and the buyers who bought it more than once.

    What an engine aggregates per product, without the customers x products matrix.

    Raises
    ------
    InputError
        If a parameter is out of range, or a count is not a whole number >= 0, or the two
        are not of one length.
    """
    inputs.check_number(min_rate, "min_rate", "repeat_from_counts", float, 0.0, 1.0)
    inputs.check_number(min_buyers, "min_buyers", "repeat_from_counts", int, 1, None)
    n = inputs.whole(buyers, "buyers")
    k = inputs.whole(again, "again")
    if n.size != k.size:
        raise InputError(
            "models.lengths_differ",
            columns="buyers, again",
            lengths=f"buyers {n.size}, again {k.size}",
        )
    return _repeated(n, k, min_rate=min_rate, min_buyers=min_buyers)


def _repeated(buyers: Ints, again: Ints, *, min_rate: float, min_buyers: int) -> Bools:
    """At least `min_buyers` buyers, and at least `min_rate` of them bought it again."""
    repeat: Bools = (buyers >= min_buyers) & (again >= min_rate * buyers)
    return repeat


def recent_exclusions(recent: Csr, repeat: npt.ArrayLike) -> Csr:
    """The recent purchases of non-repeat items: what `recommend` should not offer again.

    Parameters
    ----------
    recent : sparse or array-like, customers x products
        Counts of each customer's recent purchases (any positive value is a purchase).
    repeat : array-like of bool, one per product
        `repeat_items`: these stay recommendable.

    Returns
    -------
    scipy.sparse.csr_array of bool, the shape of `recent`
    """
    bought = _binary(inputs.counts(recent, "recent")).astype(bool)
    keep = np.asarray(repeat, dtype=bool)
    if keep.shape != (bought.shape[1],):
        raise inputs.wrong_shape("repeat", expected=f"({bought.shape[1]},)", got=keep.shape)
    bought.data = ~keep[bought.indices]
    bought.eliminate_zeros()
    return bought


class CoPurchase(Estimator):
    """Item-to-item co-purchase recommender (module docstring for the method).

    Parameters
    ----------
    neighbours : int, default=50
        Most similar products kept per product.
    shrinkage : float, default=10.0
        h in sim(i, j) = co(i, j) / (sqrt(n_i n_j) + h); 0 is the plain cosine.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_array, float32, n_products x n_products
        Row i holds product i's neighbours and their similarity; the diagonal is empty.
    popularity_ : ndarray of int64
        Buyers per product in the training data: the order of ties and of the fallback.
    n_products_ : int
    """

    _constraints: ClassVar[dict[str, Constraint]] = {
        "neighbours": (int, 1, None),
        "shrinkage": (float, 0.0, None),
    }

    def __init__(self, *, neighbours: int = 50, shrinkage: float = 10.0) -> None:
        self.neighbours = neighbours
        self.shrinkage = shrinkage

    def fit(self, X: Csr) -> Self:  # noqa: N803 (scikit-learn's name for the data)
        """Learn the products' neighbours from customers x products counts `X`."""
        self._validate_params()
        bought = _binary(inputs.counts(X, "X"))
        similarity = item_similarity(
            bought, neighbours=self.neighbours, shrinkage=float(self.shrinkage)
        )
        return self._learnt(similarity, _buyers(bought))

    def fit_counts(self, co: Csr, buyers: npt.ArrayLike) -> Self:
        """Learn the products' neighbours from their co-purchase counts: `fit` without `X`.

        Parameters
        ----------
        co : sparse or array-like, products x products
            co(i, j): the customers who bought both i and j. It is symmetric, so only
            the entries above the diagonal (i < j) are read.
        buyers : array-like of int, one per product
            n_i: the customers who bought i.

        The result is `fit`'s on any customers x products counts with these co(i, j) and
        n_i, to the bit: the same arithmetic (`similarity_from_counts`).

        Raises
        ------
        InputError
            If `co` is not square with a side of len(`buyers`), or holds a negative or
            non-finite value, or a buyer count is not a whole number >= 0.
        """
        self._validate_params()
        n = inputs.whole(buyers, "buyers")
        counts = inputs.counts(co, "co", columns=n.size)
        if counts.shape[0] != n.size:
            raise inputs.wrong_shape("co", expected=f"({n.size}, {n.size})", got=counts.shape)
        similarity = similarity_from_counts(
            _mirrored(counts), n, neighbours=self.neighbours, shrinkage=float(self.shrinkage)
        )
        return self._learnt(similarity, n)

    def _learnt(self, similarity: Csr, buyers: Ints) -> Self:
        self.similarity_ = similarity
        self.popularity_ = buyers
        self.n_products_ = int(buyers.size)
        return self

    def recommend(
        self,
        X: Csr,  # noqa: N803
        *,
        n: int = 10,
        exclude: Csr | None = None,
        batch_size: int | None = None,
    ) -> tuple[Ints2d, Floats2d]:
        """The `n` best products for each customer (row of `X`), best first.

        Parameters
        ----------
        X : sparse or array-like, customers x products
            The customers' purchases (counts; any positive value is a purchase).
        n : int, default=10
            Products per customer, at most `n_products_`.
        exclude : sparse or array-like of bool, the shape of `X`, optional
            Products not to offer a customer (`recent_exclusions`); they get score -inf.
        batch_size : int, optional
            Most customers scored at a time. Batches also end at `WORK` (customer,
            candidate) pairs, so memory stays bounded however many products there are.

        Returns
        -------
        items : ndarray of int32, (customers, n)
            Product indices, best first: by score, then by popularity (`popularity_`,
            then the lower index). A customer without history gets the most popular.
        scores : ndarray of float32, (customers, n)
            Summed similarity; 0 for products offered by popularity alone, -inf for
            excluded ones (only when fewer than `n` products are left).

        Raises
        ------
        NotFittedError
            If `fit` has not been called.
        InputError
            If `X` or `exclude` has the wrong shape or bad values, or `n` is out of range.
        """
        check_fitted(self, "similarity_")
        where = f"{type(self).__name__}.recommend"
        bought = _binary(inputs.counts(X, "X", columns=self.n_products_))
        inputs.check_number(n, "n", where, int, 1, self.n_products_)
        return _recommend(
            bought,
            self.similarity_,
            popularity=self.popularity_,
            n=n,
            exclude=inputs.exclusions(exclude, bought.shape),
            batch_size=inputs.batch_size(batch_size, where),
        )


def item_similarity(bought: Csr, *, neighbours: int, shrinkage: float) -> Csr:
    """Each product's `neighbours` most similar products (module docstring for sim).

    `bought` is a customers x products 0/1 csr_array. Ties between equal (float32)
    similarities keep the lower product index. The co-purchase counts are made in
    blocks of products of at most `WORK` pairs, so memory stays bounded at any size.
    """
    by_product = bought.T.tocsr().astype(np.float64)  # counts exact beyond float32's 2**24
    # row i of the counts has at most (sum over i's buyers of their products) entries
    work = by_product @ np.diff(bought.indptr).astype(np.float64)
    limit = row_limit(bought.shape[1])
    co = (
        (start, by_product[start:stop] @ bought)
        for start, stop in blocks(work, budget=WORK, limit=limit)
    )
    return _similarity(co, _buyers(bought), neighbours=neighbours, shrinkage=shrinkage)


def similarity_from_counts(co: Csr, buyers: Ints, *, neighbours: int, shrinkage: float) -> Csr:
    """`item_similarity` from the co-purchase counts co(i, j) and buyers n_i themselves.

    `co` is a products x products csr_array of whole numbers (the diagonal is not read),
    `buyers` int64: what an engine counts without handing over the customers' rows.
    """
    counts = co.astype(np.float64)  # the dtype `item_similarity`'s counts have
    limit = row_limit(counts.shape[1])
    rows = (
        (start, counts[start:stop])
        for start, stop in blocks(np.diff(counts.indptr), budget=WORK, limit=limit)
    )
    return _similarity(rows, buyers, neighbours=neighbours, shrinkage=shrinkage)


def _similarity(
    co: Iterable[tuple[int, Csr]], buyers: Ints, *, neighbours: int, shrinkage: float
) -> Csr:
    """The kept neighbours of blocks of rows of the co-purchase counts (first row, rows)."""
    n_products = buyers.size
    weights = buyers.astype(np.float64)
    parts = [_neighbours(block, start, weights, neighbours, shrinkage) for start, block in co]
    if not parts:  # no products
        return sparse.csr_array((n_products, n_products), dtype=np.float32)
    rows, cols, values = (np.concatenate(p) for p in zip(*parts, strict=True))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_products))])
    return sparse.csr_array((values, cols, indptr), shape=(n_products, n_products))


def _neighbours(
    co: Csr, start: int, buyers: npt.NDArray[np.float64], k: int, shrinkage: float
) -> tuple[Ints, Ints, npt.NDArray[np.float32]]:
    """The top k of each row of a block of co-purchase counts, as (row, column, sim)."""
    counts = np.diff(co.indptr)
    local = np.repeat(np.arange(co.shape[0], dtype=np.int32), counts)
    cols = co.indices
    mine = np.repeat(buyers[start : start + co.shape[0]], counts)
    sim = co.data / (np.sqrt(mine * buyers[cols]) + shrinkage)
    sim[start + local == cols] = 0.0  # a product is not its own neighbour; 0 sorts last
    row, col, value, rank = ordered(local, cols, sim.astype(np.float32), co.shape)
    top = (rank < k) & (value > 0)
    return row[top] + start, col[top], value[top]


def _recommend(
    bought: Csr,
    similarity: Csr,
    *,
    popularity: Ints,
    n: int,
    exclude: Csr | None,
    batch_size: int | None = None,
) -> tuple[Ints2d, Floats2d]:
    """`CoPurchase.recommend` on checked inputs: `bought` 0/1, `exclude` bool or None.

    scores = bought @ similarity in rank space (`segmint.models.ranking`), in batches of
    at most `WORK` (customer, candidate) pairs and `batch_size` customers.
    """
    n_products = popularity.size
    order = np.argsort(-popularity, kind="stable")  # the most bought first, ties by index
    rank = np.empty(n_products, dtype=np.int64)
    rank[order] = np.arange(n_products)
    sim = similarity.tocoo()
    by_rank = sparse.csr_array(
        (sim.data.astype(np.float64), (rank[sim.row], rank[sim.col])), shape=sim.shape
    )
    bought, exclude = _columns_to(bought, rank), _columns_to(exclude, rank)
    best = _best_first(by_rank)
    excluded = np.zeros(bought.shape[0], np.int64) if exclude is None else np.diff(exclude.indptr)
    # a customer's candidates are at most her products' neighbours; a fill takes n + excluded
    work = bought @ np.diff(by_rank.indptr).astype(np.float64) + n + excluded
    limit = min(batch_size or bought.shape[0] or 1, row_limit(n_products))
    items = np.empty((bought.shape[0], n), dtype=np.int32)
    scores = np.empty((bought.shape[0], n), dtype=np.float32)
    for start, stop in blocks(work, budget=WORK, limit=limit):
        part = bought[start:stop]
        blocked = None if exclude is None else exclude[start:stop]
        wanted = n + excluded[start:stop]
        ranks, scores[start:stop] = top_n(
            part @ by_rank, n=n, exclude=blocked, floor=_floor(part, best, wanted)
        )
        items[start:stop] = order[ranks]
    return items, scores


def _best_first(similarity: Csr) -> tuple[Ints, npt.NDArray[np.float32]]:
    """Each row's similarities, highest first: the row pointer and the values."""
    row = np.repeat(np.arange(similarity.shape[0]), np.diff(similarity.indptr))
    values = similarity.data[np.lexsort((-similarity.data, row))].astype(np.float32)
    return similarity.indptr.astype(np.int64), values


def _floor(
    bought: Csr, best: tuple[Ints, npt.NDArray[np.float32]], wanted: Ints | int
) -> npt.NDArray[np.float32]:
    """A score each customer's `wanted`-th best candidate is sure to reach.

    Scores add up similarities > 0, so each neighbour j of a product i she bought
    scores at least sim(i, j): her m-th best score is at least the m-th best similarity
    of each of her products (none when it has fewer than m neighbours). With tens of
    neighbours a product, this drops most candidates only one of her products brings.
    """
    floor = np.zeros(bought.shape[0], dtype=np.float32)
    indptr, values = best
    counts = np.diff(bought.indptr)
    if values.size == 0 or bought.nnz == 0:
        return floor
    product = bought.indices
    need = np.repeat(np.broadcast_to(wanted, counts.shape), counts)
    has = need <= np.diff(indptr)[product]
    reach = np.where(has, values[np.where(has, indptr[product] + need - 1, 0)], 0.0)
    some = counts > 0
    floor[some] = np.maximum.reduceat(reach, bought.indptr[:-1][some])
    return floor


def popularity(X: Csr, *, n: int = 10, exclude: Csr | None = None) -> Ints2d:  # noqa: N803
    """The baseline: each customer's `n` most bought products (buyers in `X`) not excluded.

    Ties by the lower product index; excluded products come last, only when fewer
    than `n` others are left.

    Raises
    ------
    InputError
        If `X` or `exclude` has the wrong shape or bad values, or `n` is out of range.
    """
    bought = _binary(inputs.counts(X, "X"))
    inputs.check_number(n, "n", "popularity", int, 1, bought.shape[1])
    items, _ = _recommend(
        bought,
        sparse.csr_array((bought.shape[1], bought.shape[1]), dtype=np.float32),
        popularity=_buyers(bought),
        n=n,
        exclude=inputs.exclusions(exclude, bought.shape),
    )
    return items


def hit_rate_recall(recommended: npt.ArrayLike, holdout: Csr) -> tuple[float, float]:
    """Hit rate and recall of recommendations against what customers bought afterwards.

    Over the customers with at least one holdout purchase: the hit rate is the share
    with at least one recommended product bought; recall is the mean of
    ``|recommended ∩ bought| / |bought|`` (the standard recall@k, divided by all the
    products bought, so a customer who bought more than k products cannot reach 1).

    Parameters
    ----------
    recommended : array-like of int, (customers, k)
        Product indices per customer, distinct within a row (`CoPurchase.recommend`).
    holdout : sparse or array-like, customers x products
        Purchases in the holdout period (any positive value is a purchase).

    Returns
    -------
    (hit_rate, recall) : tuple of float
        Both NaN when no customer bought anything in the holdout.
    """
    bought = _binary(inputs.counts(holdout, "holdout"))
    rec = np.asarray(recommended)
    if rec.ndim != 2 or rec.shape[0] != bought.shape[0]:
        raise inputs.wrong_shape("recommended", expected=f"({bought.shape[0]}, k)", got=rec.shape)
    products = inputs.indices(rec.ravel(), "recommended", bought.shape[1])
    customers = np.repeat(np.arange(rec.shape[0]), rec.shape[1])
    hits = held(bought, customers, products).reshape(rec.shape).sum(axis=1)
    sizes = np.diff(bought.indptr)
    judged = sizes > 0
    if not judged.any():
        return float("nan"), float("nan")
    hit_rate = float(np.mean(hits[judged] > 0))
    recall = float(np.mean(hits[judged] / sizes[judged]))
    return hit_rate, recall


def _binary(counts: Csr) -> Csr:
    """1 where a customer bought a product, as float32, no stored zeros."""
    bought = counts.astype(np.float32)
    bought.eliminate_zeros()
    bought.data[:] = 1.0
    return bought


def _mirrored(co: Csr) -> Csr:
    """The symmetric counts from the strict upper triangle of `co` (the rest is not read)."""
    upper = sparse.triu(co, k=1, format="csr")
    return (upper + upper.T).tocsr()


def _buyers(bought: Csr) -> Ints:
    return np.bincount(bought.indices, minlength=bought.shape[1]).astype(np.int64)


def _columns_to(m: Csr | None, position: Ints) -> Csr | None:
    """`m` with column j moved to `position[j]`, indices sorted."""
    if m is None:
        return None
    moved = sparse.csr_array((m.data, position[m.indices], m.indptr), shape=m.shape)
    moved.sort_indices()
    return moved
