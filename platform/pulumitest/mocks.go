// Package pulumitest runs Pulumi programs offline: a deterministic
// pulumi.MockResourceMonitor that answers like AWS would (ids, ARNs, URLs
// derived from names, never random), and a Graph recording every resource a
// program registers, for policy tests, plan snapshots and diagrams.
package pulumitest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Default identity of the mocked AWS account.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Mocks implements pulumi.MockResourceMonitor. Every answer derives from the
// resource's type and name, so two runs of a program produce the same graph.
type Mocks struct {
	// Region and AccountID are what the aws:index invokes report.
	Region    string
	AccountID string
	// Graph receives every registered resource.
	Graph *Graph
}

var _ pulumi.MockResourceMonitor = (*Mocks)(nil)

// NewMocks returns mocks for the given region (DefaultRegion when empty)
// recording into a new Graph.
func NewMocks(project, stack, region string) *Mocks {
	if region == "" {
		region = DefaultRegion
	}
	return &Mocks{Region: region, AccountID: DefaultAccountID, Graph: newGraph(project, stack)}
}

// NewResource answers a resource registration: a deterministic id and the
// inputs echoed back with the outputs AWS would compute (arn, url, name...).
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := m.Graph.record(args)
	id, outs := m.outputs(r.Type, r.Name, args.Inputs)
	r.ID, r.Outputs = id, outs
	return id, outs, nil
}

// Call answers the provider functions (invokes) programs use. An invoke it
// does not know fails the run, so a test never passes on a made-up answer.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]interface{}{
			"name": m.Region, "id": m.Region, "description": "mocked " + m.Region, "endpoint": "ec2." + m.Region + ".amazonaws.com",
		}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]interface{}{
			"accountId": m.AccountID, "id": m.AccountID, "userId": "AIDAMOCKED",
			"arn": "arn:aws:iam::" + m.AccountID + ":user/pulumi",
		}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]interface{}{
			"partition": "aws", "id": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws",
		}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		return resource.NewPropertyMapFromMap(map[string]interface{}{
			"id":      m.Region,
			"names":   []interface{}{m.Region + "a", m.Region + "b", m.Region + "c"},
			"zoneIds": []interface{}{"use1-az1", "use1-az2", "use1-az4"},
		}), nil
	case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
		name := ""
		if v, ok := args.Args["name"]; ok && v.IsString() {
			name = v.StringValue()
		}
		id := "pl-" + short(name)[:8]
		return resource.NewPropertyMapFromMap(map[string]interface{}{
			"id": id, "name": name, "addressFamily": "IPv4", "maxEntries": 55,
			"arn": "arn:aws:ec2:" + m.Region + ":aws:prefix-list/" + id,
		}), nil
	case "aws:ec2/getRouteTables:getRouteTables":
		vpc := ""
		if v, ok := args.Args["vpcId"]; ok && v.IsString() {
			vpc = v.StringValue()
		}
		return resource.NewPropertyMapFromMap(map[string]interface{}{
			"id":  vpc,
			"ids": []interface{}{"rtb-" + short(vpc+"main"), "rtb-" + short(vpc+"public"), "rtb-" + short(vpc+"private")},
		}), nil
	}
	return nil, fmt.Errorf("pulumitest: no mock for invoke %s", args.Token)
}

// outputs computes a resource's mocked id and output properties.
func (m *Mocks) outputs(typ, name string, inputs resource.PropertyMap) (string, resource.PropertyMap) {
	outs := inputs.Copy()
	set := func(k string, v interface{}) { outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	setDefault := func(k string, v interface{}) {
		if _, ok := outs[resource.PropertyKey(k)]; !ok {
			set(k, v)
		}
	}
	physical := name
	for _, k := range []string{"name", "bucket", "family", "functionName"} {
		if v, ok := inputs[resource.PropertyKey(k)]; ok && v.IsString() && v.StringValue() != "" {
			physical = v.StringValue()
			break
		}
	}
	region, acct := m.Region, m.AccountID
	arnOf := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, acct, rest)
	}
	id := physical
	switch typ {
	case "awsx:ec2:Vpc":
		n := 2
		if v, ok := inputs["numberOfAvailabilityZones"]; ok && v.IsNumber() {
			n = int(v.NumberValue())
		}
		var pub, priv []interface{}
		for i := 0; i < n; i++ {
			pub = append(pub, fmt.Sprintf("subnet-%s", short(fmt.Sprintf("%s-public-%d", name, i))))
			priv = append(priv, fmt.Sprintf("subnet-%s", short(fmt.Sprintf("%s-private-%d", name, i))))
		}
		set("vpcId", "vpc-"+short(name))
		set("publicSubnetIds", pub)
		set("privateSubnetIds", priv)
		set("isolatedSubnetIds", []interface{}{})
		return "", outs
	case "awsx:ecr:Image":
		repo := ""
		if v, ok := inputs["repositoryUrl"]; ok && v.IsString() {
			repo = v.StringValue()
		}
		set("imageUri", repo+"@sha256:"+long(name))
		return "", outs
	case "aws:ec2/securityGroup:SecurityGroup":
		id = "sg-" + short(name)
		set("arn", arnOf("ec2", "security-group/"+id))
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		id = "vpce-" + short(name)
	case "aws:sqs/queue:Queue":
		set("arn", arnOf("sqs", physical))
		set("url", fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, acct, physical))
		set("name", physical)
		id = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, acct, physical)
	case "aws:sns/topic:Topic":
		set("arn", arnOf("sns", physical))
		set("name", physical)
		id = arnOf("sns", physical)
	case "aws:sns/topicSubscription:TopicSubscription":
		id = arnOf("sns", physical+":"+short(name))
		set("arn", id)
	case "aws:dynamodb/table:Table":
		set("arn", arnOf("dynamodb", "table/"+physical))
		set("name", physical)
	case "aws:s3/bucketV2:BucketV2":
		set("bucket", physical)
		set("arn", "arn:aws:s3:::"+physical)
		set("bucketRegionalDomainName", physical+".s3."+region+".amazonaws.com")
	case "aws:lambda/function:Function":
		a := arnOf("lambda", "function:"+physical)
		set("arn", a)
		set("name", physical)
		set("invokeArn", fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", region, a))
	case "aws:iam/role:Role":
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, physical))
		set("name", physical)
	case "aws:cloudwatch/logGroup:LogGroup":
		set("arn", arnOf("logs", "log-group:"+physical))
		set("name", physical)
	case "aws:ecs/cluster:Cluster":
		set("arn", arnOf("ecs", "cluster/"+physical))
		set("name", physical)
		id = arnOf("ecs", "cluster/"+physical)
	case "aws:ecs/service:Service":
		set("name", physical)
		id = arnOf("ecs", "service/"+physical)
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("arn", arnOf("ecs", "task-definition/"+physical+":1"))
		set("revision", 1)
	case "aws:lb/loadBalancer:LoadBalancer":
		suffix := "app/" + physical + "/" + short(name)
		set("arn", arnOf("elasticloadbalancing", "loadbalancer/"+suffix))
		set("arnSuffix", suffix)
		set("dnsName", physical+"-"+short(name)+"."+region+".elb.amazonaws.com")
		set("zoneId", "Z35SXDOTRQ7X7K")
		id = arnOf("elasticloadbalancing", "loadbalancer/"+suffix)
	case "aws:lb/targetGroup:TargetGroup":
		suffix := "targetgroup/" + physical + "/" + short(name)
		set("arn", arnOf("elasticloadbalancing", suffix))
		set("arnSuffix", suffix)
		id = arnOf("elasticloadbalancing", suffix)
	case "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule":
		id = arnOf("elasticloadbalancing", "listener/"+short(name))
		set("arn", id)
	case "aws:ecr/repository:Repository":
		set("arn", arnOf("ecr", "repository/"+physical))
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", acct, region, physical))
		set("registryId", acct)
		set("name", physical)
	case "aws:cognito/userPool:UserPool":
		id = region + "_" + short(name)[:9]
		set("arn", arnOf("cognito-idp", "userpool/"+id))
		set("endpoint", "cognito-idp."+region+".amazonaws.com/"+id)
	case "aws:cognito/userPoolClient:UserPoolClient":
		id = short(name) + short(name+"client")
	case "aws:secretsmanager/secret:Secret":
		a := arnOf("secretsmanager", "secret:"+physical+"-"+short(name)[:6])
		set("arn", a)
		id = a
	case "aws:kms/key:Key":
		id = fmt.Sprintf("%s-%s-%s-%s-%s", short(name)[:8], short(name)[8:12], short(name)[:4], short(name)[4:8], long(name)[:12])
		set("arn", arnOf("kms", "key/"+id))
		set("keyId", id)
	case "aws:acm/certificate:Certificate":
		domain := ""
		if v, ok := inputs["domainName"]; ok && v.IsString() {
			domain = v.StringValue()
		}
		id = arnOf("acm", "certificate/"+short(name))
		set("arn", id)
		set("domainValidationOptions", []interface{}{map[string]interface{}{
			"domainName":          domain,
			"resourceRecordName":  "_" + short(domain) + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + short(domain+"v") + ".acm-validations.aws.",
		}})
	case "aws:route53/record:Record":
		set("fqdn", strings.TrimSuffix(physical, "."))
	case "aws:cloudfront/distribution:Distribution":
		id = "E" + strings.ToUpper(short(name))[:13]
		set("arn", fmt.Sprintf("arn:aws:cloudfront::%s:distribution/%s", acct, id))
		set("domainName", "d"+short(name)[:13]+".cloudfront.net")
		set("hostedZoneId", "Z2FDTNDATAQYW2")
	case "aws:cloudfront/cachePolicy:CachePolicy", "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
		"aws:cloudfront/originAccessControl:OriginAccessControl":
		id = fmt.Sprintf("%s-%s-%s-%s-%s", short(name)[:8], short(name)[8:12], short(name)[:4], short(name)[4:8], long(name)[:12])
	case "aws:cloudfront/function:Function":
		set("arn", fmt.Sprintf("arn:aws:cloudfront::%s:function/%s", acct, physical))
	case "aws:wafv2/webAcl:WebAcl":
		id = short(name) + "-" + long(name)[:8]
		set("arn", fmt.Sprintf("arn:aws:wafv2:us-east-1:%s:global/webacl/%s/%s", acct, physical, id))
	case "aws:cloudwatch/dashboard:Dashboard":
		set("dashboardArn", fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", acct, physical))
	case "random:index/randomPassword:RandomPassword":
		outs["result"] = resource.MakeSecret(resource.NewPropertyValue("mocked-" + long(name)))
		outs["bcryptHash"] = resource.MakeSecret(resource.NewPropertyValue("$2a$10$mocked" + long(name)[:20]))
	default:
		if svc := serviceOf(typ); svc != "" {
			setDefault("arn", arnOf(svc, kindOf(typ)+"/"+physical))
		}
	}
	setDefault("name", physical)
	if id == "" {
		id = physical
	}
	return id, outs
}

// serviceOf returns the AWS service of an aws: type token
// ("aws:sqs/queue:Queue" -> "sqs"), or "" for other packages.
func serviceOf(typ string) string {
	parts := strings.Split(typ, ":")
	if len(parts) != 3 || parts[0] != "aws" {
		return ""
	}
	svc, _, _ := strings.Cut(parts[1], "/")
	return svc
}

// kindOf returns the lower-case resource kind of a type token.
func kindOf(typ string) string {
	return strings.ToLower(typ[strings.LastIndex(typ, ":")+1:])
}

// short is a stable 17-hex-digit digest, the length of AWS resource ids.
func short(s string) string { return long(s)[:17] }

// long is a stable 64-hex-digit digest.
func long(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
