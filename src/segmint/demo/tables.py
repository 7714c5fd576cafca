"""The lookup tables that make synthetic customers look like a Chinese online shop's.

Every table is a tuple of plain values with a weight where the draw is not uniform;
weights need not sum to one. Every character here is encodable in GBK, because the
messy export writes GBK files (a test checks it).
"""

from __future__ import annotations

# (surname, pinyin, weight in %): the most common surnames, shares after the 2020 census.
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4),
    ("陈", "chen", 4.5), ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0),
    ("吴", "wu", 2.0), ("周", "zhou", 1.9), ("徐", "xu", 1.3), ("孙", "sun", 1.2),
    ("马", "ma", 1.1), ("朱", "zhu", 1.1), ("胡", "hu", 1.0), ("郭", "guo", 1.0),
    ("何", "he", 0.9), ("林", "lin", 0.9), ("高", "gao", 0.9), ("罗", "luo", 0.8),
    ("郑", "zheng", 0.8), ("梁", "liang", 0.7), ("谢", "xie", 0.6), ("宋", "song", 0.6),
    ("唐", "tang", 0.6), ("许", "xu", 0.5), ("邓", "deng", 0.5), ("韩", "han", 0.5),
    ("冯", "feng", 0.5), ("曹", "cao", 0.5), ("彭", "peng", 0.5), ("曾", "zeng", 0.5),
    ("肖", "xiao", 0.5), ("田", "tian", 0.4), ("董", "dong", 0.4), ("潘", "pan", 0.4),
    ("袁", "yuan", 0.4), ("蔡", "cai", 0.4), ("蒋", "jiang", 0.4), ("余", "yu", 0.4),
    ("于", "yu", 0.4), ("杜", "du", 0.4), ("叶", "ye", 0.4), ("程", "cheng", 0.4),
    ("魏", "wei", 0.3), ("苏", "su", 0.3), ("吕", "lv", 0.3), ("丁", "ding", 0.3),
    ("任", "ren", 0.3), ("卢", "lu", 0.3), ("姚", "yao", 0.3), ("沈", "shen", 0.3),
    ("钟", "zhong", 0.3), ("姜", "jiang", 0.3), ("崔", "cui", 0.3), ("谭", "tan", 0.3),
    ("陆", "lu", 0.2), ("范", "fan", 0.2), ("汪", "wang", 0.2), ("廖", "liao", 0.2),
    ("石", "shi", 0.2), ("金", "jin", 0.2), ("韦", "wei", 0.2), ("贾", "jia", 0.2),
    ("夏", "xia", 0.2), ("付", "fu", 0.2), ("方", "fang", 0.2), ("邹", "zou", 0.2),
    ("熊", "xiong", 0.2), ("白", "bai", 0.2), ("孟", "meng", 0.2), ("秦", "qin", 0.2),
    ("邱", "qiu", 0.2), ("侯", "hou", 0.2), ("江", "jiang", 0.2), ("尹", "yin", 0.2),
    ("薛", "xue", 0.2), ("闫", "yan", 0.2), ("段", "duan", 0.2), ("雷", "lei", 0.2),
    ("龙", "long", 0.1), ("黎", "li", 0.1), ("史", "shi", 0.1), ("陶", "tao", 0.1),
    ("贺", "he", 0.1), ("顾", "gu", 0.1), ("毛", "mao", 0.1), ("郝", "hao", 0.1),
    ("龚", "gong", 0.1), ("邵", "shao", 0.1), ("万", "wan", 0.1), ("钱", "qian", 0.1),
    ("严", "yan", 0.1), ("洪", "hong", 0.1), ("武", "wu", 0.1), ("孔", "kong", 0.1),
)  # fmt: skip

# Characters of given names (one or two are drawn), by the gender they are more common for.
GIVEN_FEMALE = tuple(
    "芳娜敏静丽艳娟霞秀玲婷雪慧颖琳晶欣怡佳悦萍红燕梅莉蕾倩璐瑶雯琪嘉思雨梦涵诗婉月彤妍可馨然晴"
)
GIVEN_MALE = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳博文轩哲睿晨昊天志建国峰亮成"
)

GENDER_WEIGHTS: tuple[tuple[str, float], ...] = (("female", 0.62), ("male", 0.36), ("other", 0.02))

# (city, province, weight): 40 cities, weighted roughly by online-retail volume.
CITIES: tuple[tuple[str, str, float], ...] = (
    ("上海", "上海市", 8.0), ("北京", "北京市", 7.0), ("深圳", "广东省", 6.0),
    ("广州", "广东省", 6.0), ("杭州", "浙江省", 5.0), ("成都", "四川省", 5.0),
    ("重庆", "重庆市", 4.5), ("武汉", "湖北省", 4.0), ("南京", "江苏省", 4.0),
    ("苏州", "江苏省", 4.0), ("西安", "陕西省", 3.5), ("天津", "天津市", 3.5),
    ("长沙", "湖南省", 3.0), ("郑州", "河南省", 3.0), ("东莞", "广东省", 3.0),
    ("宁波", "浙江省", 2.5), ("佛山", "广东省", 2.5), ("青岛", "山东省", 2.5),
    ("合肥", "安徽省", 2.5), ("济南", "山东省", 2.0), ("厦门", "福建省", 2.0),
    ("福州", "福建省", 2.0), ("无锡", "江苏省", 2.0), ("昆明", "云南省", 2.0),
    ("沈阳", "辽宁省", 2.0), ("大连", "辽宁省", 1.5), ("南昌", "江西省", 1.5),
    ("南宁", "广西壮族自治区", 1.5), ("贵阳", "贵州省", 1.2), ("石家庄", "河北省", 1.5),
    ("哈尔滨", "黑龙江省", 1.5), ("长春", "吉林省", 1.2), ("太原", "山西省", 1.2),
    ("温州", "浙江省", 1.5), ("泉州", "福建省", 1.2), ("珠海", "广东省", 1.0),
    ("兰州", "甘肃省", 0.8), ("海口", "海南省", 0.7), ("乌鲁木齐", "新疆维吾尔自治区", 0.7),
    ("呼和浩特", "内蒙古自治区", 0.6),
)  # fmt: skip

# (channel, store, weight): where customers sign up; the offline store is named per city.
CHANNELS: tuple[tuple[str, str, float], ...] = (
    ("天猫", "天猫旗舰店", 0.30),
    ("京东", "京东旗舰店", 0.22),
    ("抖音", "抖音直播间", 0.20),
    ("微信小程序", "微信小程序商城", 0.18),
    ("线下门店", "", 0.10),
)
OFFLINE_CHANNEL = 4  # index in CHANNELS; its store is f"{city}店"

# Mobile prefixes of the three carriers (13x-19x); the other 8 digits are drawn.
PHONE_PREFIXES: tuple[int, ...] = (
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 153, 155, 156,
    157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187,
    188, 189, 191, 195, 198, 199,
)  # fmt: skip

# (domain, weight); on qq.com the local part is the QQ number, elsewhere pinyin + digits.
EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("qq.com", 0.45), ("163.com", 0.20), ("126.com", 0.08), ("sina.com", 0.05),
    ("foxmail.com", 0.05), ("gmail.com", 0.07), ("outlook.com", 0.05), ("139.com", 0.05),
)  # fmt: skip

# Local shopping hours (Asia/Shanghai), 0-23: a midday plateau and the evening peak.
HOUR_WEIGHTS: tuple[float, ...] = (
    2.0, 1.2, 0.6, 0.3, 0.2, 0.2, 0.4, 1.0, 2.0, 3.0, 3.6, 3.8,
    3.4, 3.0, 3.2, 3.3, 3.2, 3.0, 3.2, 4.2, 5.4, 6.2, 6.0, 4.0,
)  # fmt: skip

# (month, day, multiplier) for sign-ups: 618, 双十一 and 双十二 shopping festivals.
FESTIVALS: tuple[tuple[int, int, float], ...] = (
    (6, 16, 1.5), (6, 17, 2.0), (6, 18, 3.0), (11, 10, 2.5), (11, 11, 5.0), (12, 12, 2.0),
)  # fmt: skip

# category -> ((product name, list price in yuan), ...); ids are P<category><item>.
PRODUCTS: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    ("服装", (("纯棉T恤", 79), ("休闲短裤", 99), ("衬衫", 149), ("卫衣", 169),
              ("牛仔裤", 199), ("针织开衫", 229), ("连衣裙", 259), ("羽绒服", 699))),
    ("美妆", (("洗面奶", 69), ("面膜10片装", 99), ("防晒霜", 129), ("口红", 189),
              ("保湿面霜", 239), ("粉底液", 299), ("精华液", 399), ("香水", 599))),
    ("母婴", (("婴儿湿巾", 39), ("安抚奶嘴", 49), ("儿童保温杯", 89), ("儿童绘本套装", 119),
              ("婴儿纸尿裤", 139), ("婴儿奶粉", 329), ("儿童餐椅", 399), ("婴儿推车", 1299))),
    ("数码", (("数据线", 29), ("手机壳", 39), ("无线鼠标", 99), ("充电宝", 129),
              ("蓝牙耳机", 299), ("机械键盘", 459), ("智能手表", 999), ("平板电脑", 2999))),
    ("食品", (("燕麦片", 45), ("牛肉干", 59), ("蜂蜜", 69), ("挂耳咖啡", 79),
              ("有机大米5kg", 89), ("整箱牛奶", 119), ("每日坚果", 129), ("绿茶礼盒", 268))),
    ("家居", (("毛巾套装", 49), ("收纳箱", 59), ("香薰蜡烛", 89), ("保温杯", 129),
              ("台灯", 159), ("乳胶枕", 199), ("不粘锅", 249), ("床上四件套", 359))),
    ("运动", (("跳绳", 29), ("运动水壶", 49), ("瑜伽垫", 89), ("速干T恤", 99),
              ("运动背包", 199), ("哑铃套装", 259), ("羽毛球拍", 299), ("跑步鞋", 499))),
    ("图书", (("长篇小说", 39), ("诗词鉴赏", 45), ("历史读物", 58), ("英语词典", 79),
              ("编程入门", 89), ("经济学原理", 98), ("少儿百科", 128), ("漫画套装", 168))),
)  # fmt: skip

# Share of orders with 1, 2, 3 or 4 item lines, and of lines with quantity 1, 2 or 3.
LINES_PER_ORDER: tuple[float, ...] = (0.55, 0.28, 0.12, 0.05)
QUANTITY: tuple[float, ...] = (0.78, 0.16, 0.06)
# Discount rates offered, as a share of the list price.
DISCOUNT_RATES: tuple[float, ...] = (0.05, 0.10, 0.15, 0.20, 0.30)

# (event type, channel, weight) of engagement events; product views come with orders.
ENGAGEMENT: tuple[tuple[str, str, float], ...] = (
    ("email_open", "邮件", 0.30),
    ("email_click", "邮件", 0.08),
    ("wechat_message", "企业微信", 0.27),
    ("social", "小红书", 0.10),
    ("social", "抖音", 0.08),
    ("call", "客服电话", 0.05),
    ("page_view", "", 0.12),  # "" = the customer's own channel
)

# (ticket category, weight, probability that a ticket in it is a complaint).
TICKET_CATEGORIES: tuple[tuple[str, float, float], ...] = (
    ("物流配送", 0.25, 0.45),
    ("商品质量", 0.15, 0.60),
    ("退换货", 0.20, 0.35),
    ("售后咨询", 0.20, 0.10),
    ("发票问题", 0.07, 0.05),
    ("账户问题", 0.05, 0.15),
    ("价格咨询", 0.08, 0.05),
)
