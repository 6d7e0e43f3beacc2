#define BOOST_TEST_MODULE strato_net
#include <boost/test/unit_test.hpp>
