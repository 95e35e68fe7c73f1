import { describe, expect, it } from "vitest";
import { defaultStsRegion, dnsSuffix, isValidRegion, parseRoleArn, partitionOfRegion, stsHost } from "../../../worker/aws/partition";

describe("regions and partitions", () => {
  it.each([
    ["us-east-1", "aws"],
    ["eu-central-2", "aws"],
    ["ap-southeast-5", "aws"],
    ["cn-north-1", "aws-cn"],
    ["cn-northwest-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-gov-east-1", "aws-us-gov"],
  ] as const)("%s is in %s", (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
    expect(isValidRegion(region)).toBe(true);
  });

  it("DNS suffixes and STS hosts", () => {
    expect(dnsSuffix("aws")).toBe("amazonaws.com");
    expect(dnsSuffix("aws-us-gov")).toBe("amazonaws.com");
    expect(dnsSuffix("aws-cn")).toBe("amazonaws.com.cn");
    expect(stsHost("us-east-1")).toBe("sts.us-east-1.amazonaws.com");
    expect(stsHost("cn-north-1")).toBe("sts.cn-north-1.amazonaws.com.cn");
    expect(stsHost("us-gov-west-1")).toBe("sts.us-gov-west-1.amazonaws.com");
    expect(defaultStsRegion("aws")).toBe("us-east-1");
    expect(defaultStsRegion("aws-cn")).toBe("cn-north-1");
    expect(defaultStsRegion("aws-us-gov")).toBe("us-gov-west-1");
  });

  it.each([
    "",
    "auto",
    "us-east",
    "us-east-123",
    "US-EAST-1",
    "us_east_1",
    "useast1",
    "u-east-1",
    "us--east-1",
    "us-east-1 ",
    "us-east-1.evil.com/",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "eusc-de-east-1",
    "a".repeat(40) + "-east-1",
  ])("%j is not an AWS region", (region) => {
    expect(isValidRegion(region)).toBe(false);
  });

  it("custom endpoints accept any short lowercase signing region", () => {
    for (const r of ["auto", "us-east-1", "garage", "minio", "wnam", "r2"]) expect(isValidRegion(r, { customEndpoint: true })).toBe(true);
    for (const r of ["", "-x", "x-", "Auto", "a b", "a.b", "a/b", "a".repeat(33)]) expect(isValidRegion(r, { customEndpoint: true })).toBe(false);
  });

  it("is linear on hostile input", () => {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) isValidRegion("aa" + "-a".repeat(5000) + "-x");
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

describe("parseRoleArn", () => {
  it.each([
    ["arn:aws:iam::123456789012:role/signpost", { partition: "aws", accountId: "123456789012", roleName: "signpost", path: "/" }],
    ["arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h", { partition: "aws-cn", accountId: "123456789012", roleName: "a+b=c,d.e@f-g_h", path: "/" }],
    [
      "arn:aws-us-gov:iam::000000000000:role/service-role/reader",
      { partition: "aws-us-gov", accountId: "000000000000", roleName: "reader", path: "/service-role/" },
    ],
    ["arn:aws:iam::123456789012:role/a/b/c/name", { partition: "aws", accountId: "123456789012", roleName: "name", path: "/a/b/c/" }],
    ["arn:aws:iam::123456789012:role/" + "r".repeat(64), { partition: "aws", accountId: "123456789012", roleName: "r".repeat(64), path: "/" }],
  ])("%s", (arn, expected) => {
    expect(parseRoleArn(arn)).toEqual(expected);
  });

  it.each([
    "",
    "arn:aws:iam::123456789012:user/signpost",
    "arn:aws:iam::12345678901:role/x",
    "arn:aws:iam::1234567890123:role/x",
    "arn:aws:iam::12345678901a:role/x",
    "arn:aws:iam:us-east-1:123456789012:role/x",
    "arn:aws:sts::123456789012:role/x",
    "arn:aws:sts::123456789012:assumed-role/x/session",
    "arn:aws-iso:iam::123456789012:role/x",
    "arn:AWS:iam::123456789012:role/x",
    "ARN:aws:iam::123456789012:role/x",
    "arn:aws:iam::123456789012:role/",
    "arn:aws:iam::123456789012:role",
    "arn:aws:iam::123456789012:role//x",
    "arn:aws:iam::123456789012:role/path/",
    "arn:aws:iam::123456789012:role/" + "r".repeat(65),
    "arn:aws:iam::123456789012:role/has space",
    "arn:aws:iam::123456789012:role/a b/x",
    "arn:aws:iam::123456789012:role/x:y",
    "arn:aws:iam::123456789012:role/é",
    " arn:aws:iam::123456789012:role/x",
    "arn:aws:iam::123456789012:role/" + "p/".repeat(300) + "x",
  ])("refuses %j", (arn) => {
    expect(parseRoleArn(arn)).toBeNull();
  });
});
