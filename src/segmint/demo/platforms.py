"""Demo orders as a shop platform exports them: the Taobao order report, GBK, every cell quoted.

The benchmark imports a million rows of it; the layout is the 2017 report's (46 columns,
six headers ending in a space), as in `docs/platforms.md`.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from segmint.demo.generate import Dataset


def _header(text: str) -> list[str]:
    return text.split(",")  # as the platform writes it, spaces and all


TAOBAO_HEADER = _header(
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,"
    "总金额,返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,"
    "收货人姓名,收货地址 ,运送方式,联系电话 ,联系手机,订单创建时间,"
    "订单付款时间 ,宝贝标题 ,宝贝种类 ,物流单号 ,物流公司,订单备注,"
    "宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,"
    "是否手机订单,分阶段订单信息,特权订金订单id,是否上传合同照片,是否上传小票,"
    "是否代付,定金排名,修改后的sku,修改后的收货地址,异常信息,天猫卡券抵扣,"
    "集分宝抵扣,是否是O2O交易,退款金额,预约门店"
)
TAOBAO_STATUS = {  # segmint's statuses in the report's words
    "paid": "买家已付款，等待卖家发货",
    "completed": "交易成功",
    "refunded": "交易关闭",
    "cancelled": "交易关闭",
}
_TIME = "%Y-%m-%d %H:%M:%S"


def taobao_report(data: Dataset, *, timezone: str = "Asia/Shanghai") -> pa.Table:
    """The orders of `data` as the report's rows.

    Paid orders carry their payment time, a refunded one its refund, a cancelled one was
    closed before payment; ids and phones are written as the platform writes them
    (``="O00000000001"``, ``'13800138000``).
    """
    buyers = data.customers.select(["customer_id", "name", "phone", "province", "city"])
    o = data.orders.join(buyers, "customer_id", join_type="left outer").sort_by("order_id")
    n = o.num_rows
    zoned = o["ordered_at"].cast(pa.timestamp("s", tz=timezone), safe=False)
    wall = pc.local_timestamp(zoned)  # whole seconds: strftime would write a fraction
    unpaid = pc.equal(o["status"], "cancelled")
    amount = pc.cast(o["amount"], pa.string())
    total = pc.cast(pc.cast(pc.add(o["amount"], o["discount"]), o["amount"].type), pa.string())
    words = pa.array(list(TAOBAO_STATUS.values()))
    empty = pa.array([""] * n)
    cells = {
        "订单编号": pc.binary_join_element_wise('="', o["order_id"], '"', ""),
        "买家会员名": o["customer_id"],
        "买家应付货款": total,
        "买家应付邮费": pa.array(["0.00"] * n),
        "总金额": total,
        "买家实际支付金额": pc.if_else(unpaid, "0.00", amount),
        "订单状态": pc.take(words, pc.index_in(o["status"], pa.array(list(TAOBAO_STATUS)))),
        "收货人姓名": pc.fill_null(o["name"], ""),
        "收货地址": pc.binary_join_element_wise(
            pc.fill_null(o["province"], ""), pc.fill_null(o["city"], ""), "某区某路1号", " "
        ),
        "联系手机": pc.binary_join_element_wise("'", pc.fill_null(o["phone"], ""), ""),
        "订单创建时间": pc.strftime(wall, _TIME),
        "订单付款时间": pc.if_else(unpaid, "", pc.strftime(wall, _TIME)),
        "宝贝标题": pc.binary_join_element_wise(o["channel"], "精选好物", ""),
        "宝贝总数量": pa.array(["1"] * n),
        "店铺名称": o["store"],
        "退款金额": pc.if_else(pc.equal(o["status"], "refunded"), amount, "0.00"),
    }
    return pa.table({h: cells.get(h.strip(), empty) for h in TAOBAO_HEADER})


def write_taobao_report(data: Dataset, path: Path) -> Path:
    """`taobao_report(data)` as the platform's CSV file: GBK, every cell quoted."""
    utf8 = path.with_suffix(".utf8.tmp")
    options = pacsv.WriteOptions(quoting_style="all_valid")
    pacsv.write_csv(taobao_report(data), utf8, options)
    with utf8.open(encoding="utf-8") as source, path.open("w", encoding="gbk") as target:
        target.writelines(source)
    utf8.unlink()
    return path
